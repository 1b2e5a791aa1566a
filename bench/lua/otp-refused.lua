-- the 429 path: one phone, one address, over and over
request = function()
  return wrk.format("POST", "/api/auth/otp", {["Content-Type"]="application/json", ["X-Forwarded-Proto"]="https", ["X-Forwarded-For"]="10.9.9.9"}, '{"phone":"13812345678"}')
end
