import cf from 'cloudfront';

const kvs = cf.kvs();

// One viewer-request function, many behaviours, chosen by the path.
async function handler(event) {
    const request = event.request;
    const uri = request.uri;
    if (uri.startsWith('/redirect')) {
        return {statusCode: 302, statusDescription: 'Found',
                headers: {location: {value: 'https://example.com' + uri}}};
    }
    if (uri.startsWith('/throw')) {
        throw new Error('thrown on purpose');
    }
    if (uri.startsWith('/loop')) {
        for (;;) { /* never returns */ }
    }
    if (uri.startsWith('/invalid')) {
        return {statusCode: 'not a number'};
    }
    if (uri.startsWith('/alt')) {
        cf.selectRequestOriginById('alt');
    }
    console.log('router ' + uri + ' from ' + event.viewer.ip);
    request.headers['x-kvs-value'] = {value: await kvs.get('greeting')};
    const config = await kvs.get('config', {format: 'json'});
    request.headers['x-kvs-json'] = {value: String(config.n)};
    request.headers['x-kvs-missing'] = {value: String(await kvs.exists('nope'))};
    request.headers['x-cf-region'] = {value: cf.edgeLocation.region || 'none'};
    request.headers['x-raw-query'] = {value: String(request.rawQueryString())};
    return request;
}
