import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeUserinfo } from '../../src/input/schema.js';
import { redactSecrets } from '../../src/log/redact.js';

describe('redactSecrets: credentials in URLs, in every form', () => {
  it('replaces user and password up to the host', () => {
    assert.equal(redactSecrets('http://user:s3cret@proxy:3128/x'), 'http://***@proxy:3128/x');
    assert.equal(redactSecrets('https://token@archive.example/debian'), 'https://***@archive.example/debian');
    assert.equal(redactSecrets('ftp://user:pw@host'), 'ftp://***@host');
    assert.equal(redactSecrets('HTTP://User:Pw@Host/'), 'HTTP://***@Host/');
  });

  it('takes the userinfo to the last raw "@" of the authority', () => {
    assert.equal(redactSecrets('http://u:p@ss@host/x'), 'http://***@host/x');
    assert.equal(redactSecrets('http://u:@@@host:80/x'), 'http://***@host:80/x');
    assert.equal(redactSecrets('http://u@corp:p@ss@host'), 'http://***@host');
  });

  it('keeps ":" in passwords inside the redaction', () => {
    assert.equal(redactSecrets('http://u:p:a:ss@host:8080/x'), 'http://***@host:8080/x');
    assert.equal(redactSecrets('http://u::@host/'), 'http://***@host/');
  });

  it('handles percent-encoded "@" and ":" in the password, and "%40" as the separator', () => {
    assert.equal(redactSecrets('http://u:p%40ss%3Aw@host/x'), 'http://***@host/x');
    assert.equal(redactSecrets('http://u%3Ap%40ss%40host/x'), 'http://***%40host/x');
    assert.equal(redactSecrets('http://u:p%2540ss@host/x'), 'http://***@host/x');
  });

  it('redacts a URL percent-encoded as a whole (a URL in a query string), encoded once or twice', () => {
    assert.equal(redactSecrets('GET /?next=http%3A%2F%2Fu%3Ap%40ss%40host%2Fx&y=1'), 'GET /?next=http%3A%2F%2F***%40host%2Fx&y=1');
    assert.equal(redactSecrets('next=https%253A%252F%252Fu%253Ap%2540ss%2540host%252Fx'), 'next=https%253A%252F%252F***%2540host%252Fx');
    assert.equal(redactSecrets('http%3a%2f%2fu%3ap%40host'), 'http%3a%2f%2f***%40host');
  });

  it('finds URLs inside longer text', () => {
    assert.equal(
      redactSecrets("E: Failed to fetch http://u:p@ss@mirror:8080/debian/dists/bookworm/InRelease  Could not connect to mirror:8080 (10.0.0.1)."),
      'E: Failed to fetch http://***@mirror:8080/debian/dists/bookworm/InRelease  Could not connect to mirror:8080 (10.0.0.1).',
    );
    assert.equal(redactSecrets('proxy http://u:p@ss@proxy:3128, retrying'), 'proxy http://***@proxy:3128, retrying');
    assert.equal(redactSecrets("wget 'http://u:p@host/x'"), "wget 'http://***@host/x'");
  });

  it('finds URLs inside JSON, without eating the next field', () => {
    const json = JSON.stringify({ uri: 'http://u:p@ss@h/x', proxy: 'http://a:b@proxy:3128', email: 'root@example.org', bare: 'http://h' });
    const out = redactSecrets(json);
    assert.deepEqual(JSON.parse(out), { uri: 'http://***@h/x', proxy: 'http://***@proxy:3128', email: 'root@example.org', bare: 'http://h' });
    // A quote in the password is escaped in JSON: it does not end the authority.
    assert.equal(redactSecrets(JSON.stringify({ uri: 'http://u:p"@ss@h/x' })), '{"uri":"http://***@h/x"}');
    // JSON's escaped slashes.
    assert.equal(redactSecrets('{"uri":"http:\\/\\/u:p@ss@h\\/x"}'), '{"uri":"http:\\/\\/***@h\\/x"}');
  });

  it('redacts several URLs on one line, separated by spaces or commas', () => {
    assert.equal(
      redactSecrets('http://a:b@h1/x https://c:d@e@h2 ftp://h3/ok http://f:g@h4'),
      'http://***@h1/x https://***@h2 ftp://h3/ok http://***@h4',
    );
    assert.equal(redactSecrets('http_proxy=http://a:b@h1:3128,https://c:d@h2/'), 'http_proxy=http://***@h1:3128,https://***@h2/');
  });

  it('leaves URLs without credentials and other "@" alone', () => {
    for (const text of [
      'http://host/path',
      'http://127.0.0.1:8080/targetimages/x.img.gz',
      'http://host/pool/a@b.deb and mail root@example.org',
      'mailto:root@example.org',
      'http://host/?q=a%40b',
      '{"uri":"http://h/x","email":"a@b"}',
      '{"uri":"http://h","email":"a@b"}',
      'user@host:/srv/debian',
    ])
      assert.equal(redactSecrets(text), text);
  });

  it('leaves nothing of credentials as the spec hands them to the tools (userinfo percent-encoded)', () => {
    const credentials: Array<[string, string]> = [['u', 'p@ss'], ['u@corp', 'p@ss:w'], ['u', 'a"b\'c`d'], ['fuel', '@@@'], ['', 'tok@en'], ['u', '50%@off']];
    for (const [user, password] of credentials) {
      const uri = encodeUserinfo(`http://${user}:${password}@mirror:8080/debian`);
      const basic = Buffer.from(`${user}:${password}`).toString('base64');
      for (const text of [uri, `E: Failed to fetch ${uri}/dists/x/InRelease`, JSON.stringify({ argv: ['debootstrap', uri] }), `http_proxy=${uri}`]) {
        const out = redactSecrets(text);
        for (const part of [...password.split('@'), encodeURIComponent(password), basic].filter((p) => p.length > 1))
          assert.ok(!out.includes(part), `${JSON.stringify(part)} left in ${out}`);
        assert.match(out, /\*\*\*@mirror:8080/);
      }
      assert.equal(redactSecrets(uri, { singleValue: true }), 'http://***@mirror:8080/debian');
    }
  });

  it('is stable when applied twice', () => {
    const once = redactSecrets('http://u:p@ss@host/x http%3A%2F%2Fu%3Ap%40host');
    assert.equal(redactSecrets(once), once);
  });

  it('in a single value (a spec field), a raw quote is part of the password', () => {
    assert.equal(redactSecrets(`http://u:pa"ss@host/x`, { singleValue: true }), 'http://***@host/x');
    assert.equal(redactSecrets(`http://u:it's@host/x`, { singleValue: true }), 'http://***@host/x');
    assert.equal(redactSecrets('http://host/x', { singleValue: true }), 'http://host/x');
  });
});
