// The KeyValueStore side of the experiment: a viewer-request CloudFront Function that reads
// dataToPersist from the store on every request and passes it on as x-kvs-value, with the
// regional edge cache that served it as x-kvs-region. The Lambda@Edge origin-request function
// stays as it is: both values reach the origin side by side.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    let value = '';
    try {
        value = await kvs.get('dataToPersist');
    } catch (e) {
        // A missing key: the origin sees an empty value rather than a failed request.
    }
    request.headers['x-kvs-value'] = {value: value};
    const region = cf.edgeLocation && cf.edgeLocation.region;
    if (region) {
        request.headers['x-kvs-region'] = {value: region};
    }
    return request;
}
