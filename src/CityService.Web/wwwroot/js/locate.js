// "Use my location": progressive enhancement. Without JavaScript the button stays hidden and the city list works.
(function () {
  var button = document.getElementById('locate');
  var status = document.getElementById('locate-status');
  if (!button || !('geolocation' in navigator)) { return; }
  button.hidden = false;
  button.addEventListener('click', function () {
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude.toFixed(5), lon = pos.coords.longitude.toFixed(5);
      window.location.href = '/locate?lat=' + lat + '&lon=' + lon;
    }, function () {
      status.textContent = button.dataset.failed;
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
