import cf from 'cloudfront';

// Viewer-response: runs on hits too, so the header shows the store as it is now.
async function handler(event) {
    const response = event.response;
    response.headers['x-kvs-value'] = {value: await cf.kvs().get('greeting')};
    return response;
}
