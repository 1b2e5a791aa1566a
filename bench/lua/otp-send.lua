-- POST /api/auth/otp with a new phone and a new client address each time (X-Forwarded-For), so codes are sent
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local phone = string.format("13%09d", math.random(0, 999999999))
  local ip = string.format("10.%d.%d.%d", math.random(0,255), math.random(0,255), math.random(1,254))
  return wrk.format("POST", "/api/auth/otp", {["Content-Type"]="application/json", ["X-Forwarded-Proto"]="https", ["X-Forwarded-For"]=ip}, '{"phone":"' .. phone .. '"}')
end
