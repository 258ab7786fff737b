"""The CloudFront Functions runtimes ("JavaScript runtime 1.0 features", "JavaScript runtime
2.0 features"): their built-in modules, globals and restrictions, each run in the emulator's
node worker as a function would be."""
import asyncio
import base64
import hashlib
import hmac
import json
import subprocess
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront_functions import events
from edge_persist.emulator.cloudfront_functions.kvs import KeyValueStore
from edge_persist.emulator.cloudfront_functions.runtime import NodeFunction
from edge_persist.emulator.environments.languages import node_binary
from edge_persist.emulator.frontend.messages import HttpRequest
from edge_persist.errors import UsageError

V1, V2 = edge_rules.FUNCTION_RUNTIMES


def run(code, runtime=V2, request=None, store=None):
    """The worker's answer to one viewer-request run of `code` (reading `store`, a
    KeyValueStore, when given): its logs, result or error."""
    request = request or HttpRequest("GET", "/a", "q=1", [("Host", "d.example")], b"",
                                     "192.0.2.1")

    async def once():
        spec = SimpleNamespace(name="f", runtime=runtime)
        function = await NodeFunction.start(spec, code, store)
        try:
            event = events.event(edge_rules.VIEWER_REQUEST, {}, request)
            return await function.run(event, {}, request.query)
        finally:
            function.close()
    return asyncio.run(once())


def node_says(code):
    """What `code`'s main() logs under Node.js itself, whose Buffer, crypto, querystring and
    TextEncoder the runtime pages say these behave as: the oracle of a differential test."""
    script = ("const logs = []; console.log = (...a) => logs.push(a.map((x) => typeof x === "
              "'string' ? x : JSON.stringify(x)).join(' '));\n" + code +
              "\nmain(); process.stdout.write(JSON.stringify(logs));")
    done = subprocess.run([node_binary(), "-e", script], capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout)


def logged(code, runtime=V2):
    """What `code`'s handler logs, one console.log per line, and its error if it threw."""
    answer = run(f"{code}\nfunction handler(event) {{ main(); return event.request; }}",
                 runtime)
    assert "error" not in answer, answer["error"]
    return answer["logs"]


@pytest.mark.parametrize("runtime", [V1, V2])
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
def test_crypto_hashes_and_hmacs_as_node_does(runtime, algorithm):
    """Page: JavaScript runtime 1.0 features
    Rule: require('crypto') gives createHash and createHmac with md5, sha1 or sha256;
    update() takes data and digest() gives hex, base64 or base64url."""
    lines = logged(f"""var crypto = require('crypto');
    function main() {{
      ['hex', 'base64', 'base64url'].forEach(function (e) {{
        console.log(crypto.createHash('{algorithm}').update('edge').update('€').digest(e));
        console.log(crypto.createHmac('{algorithm}', 'secret').update('edge').digest(e));
      }});
    }}""", runtime)
    data = "edge€".encode()
    plain = hashlib.new(algorithm, data).digest()
    keyed = hmac.new(b"secret", b"edge", algorithm).digest()
    expected = []
    for encode in (bytes.hex, lambda b: base64.b64encode(b).decode(),
                   lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")):
        expected += [encode(plain), encode(keyed)]
    assert lines == expected


def test_a_digest_without_encoding_is_a_byte_string_in_1_0_and_a_buffer_in_2_0():
    """Page: JavaScript runtime 2.0 features
    Rule: in 2.0, hash.digest() and hmac.digest() return a Buffer when no encoding is given;
    in 1.0 they return a byte string."""
    code = """var crypto = require('crypto');
    function main() {
      var d = crypto.createHash('sha256').update('x').digest();
      console.log(typeof d + ' ' + d.length + ' ' + (typeof Buffer !== 'undefined' &&
                  Buffer.isBuffer(d)));
    }"""
    assert logged(code, V1) == ["string 32 false"]
    assert logged(code, V2) == ["object 32 true"]


def test_an_unknown_digest_algorithm_throws():
    """Page: JavaScript runtime 1.0 features
    Rule: the algorithm can be md5, sha1 or sha256."""
    answer = run("var c = require('crypto');\nfunction handler(e) { c.createHash('sha512'); "
                 "return e.request; }", V1)
    assert "error" in answer


def test_querystring_parses_and_stringifies_as_the_page_shows():
    """Page: JavaScript runtime 1.0 features
    Rule: querystring.parse('name=value&abc=xyz&abc=123') gives {name: 'value', abc: ['xyz',
    '123']}; stringify({name: 'value', abc: ['xyz', '123'], anotherName: ''}) gives
    'name=value&abc=xyz&abc=123&anotherName='; decode and encode are aliases; invalid UTF-8
    percent-encoding becomes U+FFFD; maxKeys bounds the keys parsed."""
    code = """var qs = require('querystring');
    function main() {
      console.log(qs.parse('name=value&abc=xyz&abc=123'));
      console.log(qs.stringify({ name: 'value', abc: ['xyz', '123'], anotherName: '' }));
      console.log(qs.decode('a=%E2%82%AC+b&c=%FF'));
      console.log(qs.encode({k: 'a b&c'}) + ' ' + qs.escape('é') + ' ' + qs.unescape('%C3%A9'));
      console.log(qs.parse('a:1;b:2', ';', ':'));
      console.log(Object.keys(qs.parse('a=1&b=2&c=3', null, null, {maxKeys: 2})).length);
    }"""
    lines = logged(code, V1)
    assert lines == node_says(code)
    assert json.loads(lines[0]) == {"name": "value", "abc": ["xyz", "123"]}
    assert lines[1] == "name=value&abc=xyz&abc=123&anotherName="
    assert json.loads(lines[2]) == {"a": "€ b", "c": "\ufffd"}
    assert lines[3] == "k=a%20b%26c %C3%A9 é"
    assert json.loads(lines[4]) == {"a": "1", "b": "2"}
    assert lines[5] == "2"


def test_buffer_methods_of_the_2_0_page():
    """Page: JavaScript runtime 2.0 features
    Rule: the Buffer module: alloc, allocUnsafe, byteLength, compare, concat, from (array,
    ArrayBuffer, Buffer, string with utf8, hex, base64 or base64url), isBuffer, isEncoding,
    and on a buffer compare, copy, equals, fill, includes, indexOf, lastIndexOf, the read and
    write methods, subarray, swap16/32/64, toJSON, toString and write."""
    code = """function main() {
      var b = Buffer.alloc(12);
      b.writeUInt32BE(0xdeadbeef, 0); b.writeInt16LE(-2, 4); b.writeFloatBE(1.5, 6);
      b.writeUIntLE(0x010203, 9, 3); b.writeDoubleLE(0.25, 0);
      console.log(b.toString('hex'));
      console.log([b.readUInt32BE(0), b.readInt16LE(4), b.readFloatBE(6), b.readUIntLE(9, 3),
                   b.readIntBE(0, 2), b.readUInt8(0), b.readInt8(0), b.readDoubleLE(0),
                   b.readUInt16BE(10), b.readInt32LE(8), b.readIntLE(1, 6)].join(','));
      console.log([Buffer.from('aGVsbG8', 'base64url').toString(), Buffer.from('68690a', 'hex')
                   .toString('base64'), Buffer.from([104, 105]).toString(), Buffer.byteLength('€'),
                   Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.concat(
                   [Buffer.from('ab'), Buffer.from('cd')], 3).toString(), Buffer.isBuffer(b),
                   Buffer.isEncoding('hex'), Buffer.isEncoding('utf-16'),
                   Buffer.alloc(3, 'ab').toString(), Buffer.allocUnsafe(4).length,
                   Buffer.from('€uro').toString('base64url'), Buffer.from('_-8', 'base64')
                   .toString('hex')].join(','));
      var h = Buffer.from('hello');
      var t = Buffer.alloc(5);
      h.copy(t, 1, 0, 3);
      console.log([h.indexOf('l'), h.lastIndexOf('l'), h.includes('ell'), h.equals(
                   Buffer.from('hello')), h.subarray(1, 3).toString(), t.toString('hex'),
                   JSON.stringify(Buffer.from('hi').toJSON()), Buffer.from('abcd').swap16()
                   .toString(), Buffer.from('abcdefgh').swap32().toString(),
                   Buffer.from('abcdefgh').swap64().toString(), h.compare(Buffer.from('help')),
                   h.indexOf(108, 3), h.indexOf('z'), Buffer.alloc(4).fill('xy').toString()]
                   .join(','));
      var w = Buffer.alloc(4); var n = w.write('héllo');
      console.log(n + ',' + w.toString('hex') + ',' + Buffer.from(new Uint8Array([1, 2]).buffer)
                  .length + ',' + Buffer.from(h).toString('utf8', 1, 3) + ',' +
                  Buffer.from('\\ud800x').toString('hex'));
    }"""
    assert logged(code) == node_says(code)


def test_2_0_has_atob_btoa_text_encoder_and_decoder():
    """Page: JavaScript runtime 2.0 features
    Rule: atob() and btoa() are global functions, and TextEncoder (encode, encodeInto) and
    TextDecoder (decode, encoding, fatal, ignoreBOM) are there."""
    code = """function main() {
      var e = new TextEncoder();
      var out = new Uint8Array(4);
      var r = e.encodeInto('a€', out);
      console.log([btoa('edge'), atob('ZWRnZQ=='), e.encode('€').length, r.read, r.written,
                   new TextDecoder().decode(e.encode('é')), new TextDecoder().encoding,
                   new TextDecoder('utf-8', {fatal: true}).fatal].join(','));
      try { new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xff])); }
      catch (err) { console.log('fatal'); }
    }"""
    assert logged(code) == node_says(code) == ["ZWRnZQ==,edge,3,2,4,é,utf-8,true", "fatal"]


def test_1_0_has_the_byte_string_methods_and_2_0_does_not():
    """Page: JavaScript runtime 1.0 features
    Rule: 1.0's nonstandard String methods: bytesFrom (an array of octets, or hex, base64 or
    base64url text), fromBytes, fromUTF8 (null when the UTF-8 is invalid), toBytes (null past
    255), toUTF8; 2.0 has none of them."""
    lines = logged("""function main() {
      console.log([String.bytesFrom([104, 105]), String.bytesFrom('6869', 'hex'),
                   String.bytesFrom('aGk', 'base64url'), 'é'.toUTF8().length,
                   'é'.toUTF8().fromUTF8(), String.bytesFrom([0xff]).fromUTF8(),
                   '€'.toBytes(), 'hé'.toBytes(), 'abc'.fromBytes(1)].join(','));
    }""", V1)
    assert lines == ["hi,hi,hi,2,é,,,hé,bc"]
    assert logged("function main() { console.log(typeof String.bytesFrom + ' ' + typeof "
                  "''.toUTF8); }", V2) == ["undefined undefined"]


def test_date_is_the_start_of_the_run_whatever_the_function_does():
    """Page: JavaScript runtime 1.0 features
    Rule: Date always returns the same value, the function's start time, during a single
    run: elapsed time cannot be measured."""
    lines = logged("""function main() {
      var a = Date.now(); var d = new Date(); var x = 0;
      for (var i = 0; i < 3000000; i++) { x += i; }
      console.log([a === Date.now(), d.getTime() === new Date().getTime(), a === d.getTime(),
                   new Date(0).getTime(), d instanceof Date, typeof Date()].join(','));
    }""")
    assert lines == ["true,true,true,0,true,string"]


@pytest.mark.parametrize("runtime", [V1, V2])
@pytest.mark.parametrize("code", [
    "eval('1 + 1')", "new Function('a', 'return a')", "setTimeout(function () {}, 1)",
    "process.exit(1)", "require('fs')", "require('http')", "fetch('http://example.com')",
])
def test_restricted_features_throw(runtime, code):
    """Page: JavaScript runtime 2.0 features
    Rule: restricted features: no dynamic code evaluation (eval and Function constructors
    throw), no timers, no process, no file system, no network."""
    answer = run(f"function handler(event) {{ {code}; return event.request; }}", runtime)
    assert "error" in answer


def test_2_0_imports_its_modules():
    """Page: JavaScript runtime 2.0 features
    Rule: in 2.0 the built-in modules load with import as with require (crypto,
    querystring, buffer), beside `import cf from 'cloudfront'`; 1.0 has no import."""
    code = """import crypto from 'crypto';
    import { Buffer as B } from 'buffer';
    import * as qs from 'querystring';
    import cf from 'cloudfront';
    async function handler(event) {
      console.log(crypto.createHash('md5').update('a').digest('hex') + ' ' +
                  B.from('x').length + ' ' + qs.stringify({a: 1}) + ' ' + typeof cf.kvs);
      return event.request;
    }"""
    assert run(code)["logs"] == ["0cc175b9c0f1b6a831c399e269772661 1 a=1 function"]
    with pytest.raises(UsageError, match="cannot import"):
        run(code, V1)  # the emulator's start refuses it, as CloudFront refuses to publish it


def test_the_store_helpers_read_the_associated_store():
    """Page: Helper methods for key value stores
    Rule: with a key value store associated, `cf.kvs()` gives its handle: get() resolves to
    the value as a string by default, or parsed with format json, or as bytes; exists() to
    true or false; get() of a key the store does not hold rejects with an error. Assumed:
    its message is KeyNotFound, as a deployed function's logs show it."""
    store = KeyValueStore("s", {"plain": "héllo", "doc": '{"n": 2}'}, propagation=0)
    answer = run("""import cf from 'cloudfront';
    const kvs = cf.kvs();
    async function handler(event) {
      const bytes = await kvs.get('plain', {format: 'bytes'});
      console.log(await kvs.get('plain'), (await kvs.get('doc', {format: 'json'})).n,
                  bytes.length, await kvs.exists('doc'), await kvs.exists('none'));
      try { await kvs.get('none'); } catch (err) { console.log(String(err)); }
      return event.request;
    }""", store=store)
    assert answer["logs"] == ["héllo 2 6 true false", "Error: KeyNotFound"]


def test_the_store_id_given_to_kvs_is_not_needed():
    """Page: Helper methods for key value stores
    Rule: a function has at most one key value store, and `cf.kvs()` takes no id to find
    it; with none associated, `cf.kvs()` throws. Assumed: any id given reads the one store
    the function has, as AWS's samples (aws-samples/amazon-cloudfront-functions,
    kvs-key-value-pairs, kvs-jwt-verify) pass a placeholder id and call replacing it
    optional."""
    code = """import cf from 'cloudfront';
    const kvs = cf.kvs('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111');
    async function handler(event) {
      console.log(await kvs.get('k'));
      return event.request;
    }"""
    assert run(code, store=KeyValueStore("s", {"k": "v"}, propagation=0))["logs"] == ["v"]
    with pytest.raises(UsageError, match="No key value store is associated"):
        run(code)  # thrown at the top level: the emulator's start refuses the function


def test_a_querystring_given_back_as_text_is_used_as_it_is():
    """Page: CloudFront Functions event structure
    Rule: a request's query string goes on as the function returns it; AWS's own examples
    return it as text (normalize-query-string-parameters), and CloudFront forwards that
    text."""
    viewer = HttpRequest("GET", "/a", "b=2&a=1", [], b"", "192.0.2.1")
    answer = run("""function handler(event) {
      var qs = [];
      for (var k in event.request.querystring) qs.push(k + '=' +
                                                        event.request.querystring[k].value);
      event.request.querystring = qs.sort().join('&');
      return event.request;
    }""", V1, viewer)
    given = events.event(edge_rules.VIEWER_REQUEST, {}, viewer)
    assert events.validate(edge_rules.VIEWER_REQUEST, given, answer["result"]) == []
    assert events.to_request(viewer, given["request"], answer["result"]).query == "a=1&b=2"


def test_console_log_of_an_error_shows_its_name_and_message():
    """Page: JavaScript runtime 2.0 features
    Rule: console.log records log messages; an error logged shows as `Name: message`
    (assumed: the page shows no example)."""
    assert logged("function main() { console.log(new TypeError('bad ' + "
                  f"{json.dumps(quote('é'))})); }}") == ["TypeError: bad %C3%A9"]
