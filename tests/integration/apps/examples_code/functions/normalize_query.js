// cloudfront-js-1.0, viewer request: the query string sorted, given back as text (as AWS's
// normalize-query-string-parameters sample returns it).
function handler(event) {
  var pairs = [];
  for (var name in event.request.querystring) {
    var entry = event.request.querystring[name];
    (entry.multiValue || [entry]).forEach(function (one) { pairs.push(name + '=' + one.value); });
  }
  event.request.querystring = pairs.sort().join('&');
  return event.request;
}
