// The browser page in real headless Chromium: decode, verify, build, the
// fragment, keyboard, layout, and no network request unless asked. The
// Explain tab against the real worker is in explain.test.mjs.
//
// Run: scripts/build-page.sh && node --test tests/browser/

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { b64url, createKey, flipSignatureByte, now, signJws } from '../support/minter.mjs';
import { settle, shot, startPage } from './harness.mjs';

// The "JWT examples" of the Authn docs (seed 003), and its refresh token.
const SEED = {
  customer:
    'eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6IjRhekgzb01hQXlBVVFlN0llNkJrIiwiZXhwIjoxNTg2MzU1NTc2LCJncm91cHMiOiJjdXN0b21lciIsImlhdCI6MTU4NjM1MTk3NiwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJtb2kiOjIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJmdW5ra3lzczFAaG90bWFpbC5jb20iLCJ0ZW5hbnQiOiIyIiwidGlkIjoiOTU1MWU0MzEtODdhZC00MWI2LTg1MDYtMWI5YjhiZTM3ODQwIiwidXNlcl9tZXRhZGF0YSI6eyJncm91cHMiOlsiY3VzdG9tZXIiXX19.OYkt_XoVZw1TyJizkmGWH71y8iwmQx95gHDfUj5vxqCHHcIUZXG4siCtlTZCxUo-Ppxa-SDEwIIf5BEP3zJ7cc-t_ua5AAlPRtEFVRP81-5fBcwT1xKq8-J7Agfg_YXPIX7TnYt5Q7DA0AxWzHiEJ11HCzCWXK2ofShoTSgej80v5eRfGRUpycBUbEgsrnD0doF9YH4QZcrxVFpZ-O7hwH6fp5JmZjH46kUYV0c1TQgMF0WH48tfQWyMGapdylJtus5vZV3WK1AOhtwubGaa1xmWJXn1LdzxvDMh3at_h2XeLq_eTti6IPPlqYZesI97XNtJ1NYAsdzQTeKFwS1Pjg',
  agent:
    'eyJhbGciOiJSUzI1NiIsImtpZCI6ImQ1ZjcyM2I4LTU2NTYtNGQ5My1hMDAwLTA2MWZhZjFlY2ExZSIsInR5cCI6IkpXVCJ9.eyJhcHBfbWV0YWRhdGEiOnsicm9sZXMiOlsiRFVBTFBST0ZJTEUiLCJSRUFET05MWSJdfSwiYXBwX21ldGFkYXRhX3JvbGVzIjoiRFVBTFBST0ZJTEUgUkVBRE9OTFkiLCJhdWQiOiJoZWltZGFsbC5hdXRoLm1hc21vdmlsLmNvbSIsImNpZCI6ImFXVkd3emNBZ3VqNnJTbDExQ1E5IiwiZXhwIjoxNTg2MzU1NTc4LCJncm91cHMiOiJhZ2VudCIsImlhdCI6MTU4NjM1MTk3OCwiaXNzIjoiaGVpbWRhbGwuYXV0aC5tYXNtb3ZpbC5jb20iLCJyb2xlcyI6IlJFVEVOQ0lPTiIsInNjb3BlIjoiYXBpOmV2ZXJ5dGhpbmciLCJzdWIiOiJBRTAwMDEiLCJ0aWQiOiIwZDNhZmYzZS02ODFkLTQzZDktOGFkMC0wMTVlZDdjYzhmMTciLCJ1c2VyX21ldGFkYXRhIjp7Imdyb3VwcyI6WyJhZ2VudCJdLCJyb2xlcyI6WyJSRVRFTkNJT04iXSwic2ZpZCI6IkFFMDAwMSJ9fQ.BLQflnTqbAnClwMrK--Kn0PyZNbAAlaIKGz9qHi80SoyM3i0F_lvFe-ZEVtxYRFjl6WufJowlFwJcjI4Uk4QA9ujs2c3zbxf-oBJVEe-Raxu04ltRNp95J_LvWbx1qJ93FMVDa7tZlIc0vrIR_uRCfzY-Wyh0YjSamAnFHJsYtvXZQ96ExEMhh15S56wJC_rIX0fhlgQ3hIHP07dqm5ReDDK3UMChaEnyyjl-1NvavVblJvxv-uWYFsHhr34VttPY2X0mrA9bZsdnJSJnuVPkfeR5Vj2eYjeAGnE9lw4bMIxJ6DWDMrPdmTOAvFRxqnbGMEWVz7iYJufJfRG2IlyUw',
  refresh:
    'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJjaWQiOiI2MUJxaU9rbkpCeVFkQlN3S3Y4bCJ9.umCmY1DD7piI--itKuRLeg3kPIuDWVFCqT67rMLU1pUH9t_WOOatFEPbk_TcdnWbr2Uf-_VQDIDCIqrxP5nCmUwEFs3vTfF4pJghEiBX8HK0lQ1gjiVj6bX8xG7kk-1jD5C1pWTymuCANjN9WyyS6P_XRUEy1ogU4cV64RlYfe30Nd5J1kzFKQdEfnkxq1PfBJxaH4pey8NSvEaPU8sELqXIj9Ak6sJ5L1FEioGZUc1jxEhogS4QZooEJQDkM3ZAHN0fikrBRn1NIp1VcXag251YMjhywkZKgdlUNQC8OkPxqrpujrZDH8sBzvDKlfz6WF8BNMcu13KVD3rMcMF1kA',
};

// The page's clock where a test reads times: a fixed instant, so a token
// "6 s past exp" is exactly that however long the run takes.
const FIXED_NOW = Date.UTC(2026, 11, 7, 12) / 1000;
const ISS = 'https://sso.example.com/realms/ScpCloud';

/** A token without its signature, as the page's links carry it: Decode needs no key. */
function unsigned(claims) {
  const header = { alg: 'RS256', typ: 'JWT', kid: 'scp-1' };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.`;
}

const AT_FIXED_NOW = {
  pastExpBy6s: unsigned({ iss: ISS, iat: FIXED_NOW - 306, exp: FIXED_NOW - 6 }),
  pastExpBy31s: unsigned({ iss: ISS, iat: FIXED_NOW - 331, exp: FIXED_NOW - 31 }),
};

const part = (token, i) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString());
const text = (page, sel) => page.locator(sel).innerText();

/** RFC 6749 Appendix B form-encoding, two independent ways. */
function formEncode(s) {
  const viaParams = new URLSearchParams({ x: s }).toString().slice(2);
  const viaURIComponent = encodeURIComponent(s)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
  assert.equal(viaParams, viaURIComponent);
  return viaParams;
}

describe('the page in Chromium', () => {
  let h;
  before(async () => {
    h = await startPage();
  });
  after(async () => {
    await h?.stop();
  });

  it('decodes the seed example tokens: header, payload, times, claims', async () => {
    const page = await h.open();
    for (const [name, token] of Object.entries(SEED)) {
      await page.fill('#token-input', token);
      await settle(page);
      assert.match(await text(page, '#decode-status'), /Well-formed/, name);
      const header = await text(page, '#header-json');
      const payload = await text(page, '#payload-json');
      for (const [k, v] of Object.entries(part(token, 0))) assert.ok(header.includes(`"${k}": ${JSON.stringify(v)}`), `${name} header ${k}`);
      for (const k of Object.keys(part(token, 1))) assert.ok(payload.includes(`"${k}"`), `${name} payload ${k}`);
      const claims = await text(page, '#claims');
      for (const k of ['cid']) assert.ok(claims.includes(k), `${name}: ${k} explained`);
    }
    // The customer token: tenant is the org, times are dated and long gone.
    await page.fill('#token-input', `Authorization: Bearer ${SEED.customer}`);
    await settle(page);
    assert.match(await text(page, '#decode-status'), /an Authorization header/);
    assert.match(await text(page, '#times tr[data-claim="exp"]'), /2020-04-08T14:19:36Z[\s\S]*expired .* ago/);
    assert.match(await text(page, '#notes'), /acts for organisation 2 \(from tenant/);
    assert.match(await text(page, '#claims'), /tenant[\s\S]*org_claims/);
    assert.match(await page.locator('#payload-json').innerText(), /"exp": 1586355576, \/\/ .*expired/);
    // The refresh token has neither kid nor exp: the notes say what the edge does.
    await page.fill('#token-input', SEED.refresh);
    await settle(page);
    const notes = await text(page, '#notes');
    assert.match(notes, /no exp: the edge refuses/);
    assert.match(notes, /no kid/);
    assert.deepEqual(page.requests, [], 'decoding made a request');
    assert.deepEqual(page.errors, []);
  });

  it('says what is wrong with malformed input and where, never a blank page', async () => {
    const page = await h.open();
    const [hd, pl, sg] = SEED.customer.split('.');
    const broken = `${hd}.${pl.slice(0, 10)}+${pl.slice(11)}.${sg}`;
    await page.fill('#token-input', broken);
    await settle(page);
    assert.match(await text(page, '#decode-error'), /the payload is not base64url/);
    const status = await text(page, '#decode-status');
    assert.match(status, /invalid_token/);
    assert.match(status, /character 11 of the payload is '\+'/);
    assert.match(status, new RegExp(`byte ${hd.length + 1 + 10} of the input`));
    assert.equal(await page.locator('#token-view mark').innerText(), '+');
    // The header still decodes and shows.
    assert.match(await text(page, '#header-json'), /"alg": "RS256"/);
    for (const junk of ['hello', 'a.b', 'Bearer ', '{"alg":"none"}', 'Basic Zm9vOmJhcg==', '....', '\u0000é']) {
      await page.fill('#token-input', junk);
      await settle(page);
      const s = await text(page, '#decode-status');
      assert.ok(s.trim().length > 0, `nothing said for ${JSON.stringify(junk)}`);
    }
    assert.match(await text(page, '#decode-status'), /three dot-separated parts|malformed/);
    assert.deepEqual(page.errors, []);
  });

  it('reads a pasted Authorization value as the worker does, and a bare token as a token', async () => {
    const page = await h.open();
    for (const value of [`Bearer\t${SEED.customer}`, `Bearer: ${SEED.customer}`]) {
      await page.fill('#token-input', value);
      await settle(page);
      const status = await text(page, '#decode-status');
      const what = JSON.stringify(value.slice(0, 8));
      assert.match(status, /invalid_request/, what);
      assert.match(await text(page, '#decode-error'), /scheme/, what);
      assert.doesNotMatch(status, /Well-formed|character \d+ of/, what);
    }
    await page.fill('#token-input', `Bearer ${SEED.customer}`);
    await settle(page);
    assert.match(await text(page, '#decode-status'), /Well-formed: a Bearer value/);
    await page.fill('#token-input', SEED.customer);
    await settle(page);
    assert.match(await text(page, '#decode-status'), /Well-formed: a token/);
  });

  it('shows exp within the default leeway as still accepted, and refused only past it', async () => {
    const page = await h.open();
    await page.clock.setFixedTime(FIXED_NOW * 1000);
    const expCell = page.locator('#times tr[data-claim="exp"] td:last-child');
    await page.fill('#token-input', AT_FIXED_NOW.pastExpBy6s);
    await settle(page);
    assert.equal(
      await expCell.innerText(),
      'expired 6 s ago; the edge still accepts it within its default leeway of 30 s',
    );
    assert.equal(await expCell.getAttribute('class'), 'ok');
    await page.fill('#token-input', AT_FIXED_NOW.pastExpBy31s);
    await settle(page);
    assert.equal(await expCell.innerText(), 'expired 31 s ago');
    assert.equal(await expCell.getAttribute('class'), 'bad');
  });

  /** An ScpCloud token for the fixed clock, without sub (so x-auth-subject is not set), and its key. */
  function scpToken() {
    const rsa = createKey('RS256', { kid: 'scp-1' });
    const claims = { iss: ISS, aud: 'scpCloud', organizationId: 'org-a', iat: FIXED_NOW - 60, exp: FIXED_NOW + 240 };
    return { rsa, token: signJws({ alg: 'RS256', typ: 'JWT', kid: 'scp-1' }, claims, { privateKey: rsa.privateKey }) };
  }

  /** Explains GET /orgs/org-a/things with the page's sample config at the fixed clock. */
  async function explainOnPage(page, rsa, sendToken) {
    await page.clock.setFixedTime(FIXED_NOW * 1000);
    await page.click('#tab-explain');
    await page.fill(`textarea[data-issuer="${ISS}"]`, JSON.stringify({ keys: [rsa.jwk] }));
    await page.fill('#explain-path', '/orgs/org-a/things');
    await sendToken();
    await settle(page);
    const out = page.locator('#explain-result');
    assert.deepEqual(page.requests, [], 'explaining made a request');
    return out;
  }

  it('lists what reaches the origin: a header set is not also listed as removed', async () => {
    const { rsa, token } = scpToken();
    const page = await h.open();
    const out = await explainOnPage(page, rsa, () => page.fill('#explain-headers', `Authorization: Bearer ${token}`));
    assert.equal(await out.getAttribute('data-decision'), 'allow', await out.innerText());
    const origin = await out.locator('ul.notes').innerText();
    assert.match(origin, /authorization: Bearer <token>/);
    assert.match(origin, /x-auth-org: org-a/);
    assert.match(origin, /^also removed: x-auth-subject$/m);
  });

  it("says why the token of the page's own link does not verify in Explain", async () => {
    const { rsa, token } = scpToken();
    const [hd, pl] = token.split('.');
    const page = await h.open({ hash: `#token=${hd}.${pl}.` });
    const out = await explainOnPage(page, rsa, () => page.click('#use-token'));
    assert.equal(await out.getAttribute('data-code'), 'bad_signature', await out.innerText());
    assert.match(
      await out.locator('li[data-stage="signature"]').innerText(),
      /has no signature.*: links from the page leave it out$/,
    );
  });

  it('opens #token=<jwt> decoded and writes the fragment without the signature', async () => {
    const page = await h.open({ hash: `#token=${SEED.agent}` });
    assert.equal(await page.inputValue('#token-input'), SEED.agent);
    assert.match(await text(page, '#payload-json'), /"sub": "AE0001"/);
    const [hd, pl] = SEED.agent.split('.');
    const hash = new URL(page.url()).hash;
    assert.equal(hash, `#token=${hd}.${pl}.`);
    await page.click('#tab-verify');
    assert.equal(new URL(page.url()).hash, `#tab=verify&token=${hd}.${pl}.`);
    // A secret pasted for verification never reaches the fragment.
    await page.fill('#verify-key', 'an-hmac-secret-that-is-long-enough-32');
    await settle(page);
    assert.ok(!page.url().includes('hmac'), page.url());
  });

  it('verifies against a JWKS, a PEM key and an HMAC secret, with the edge codes', async () => {
    const page = await h.open();
    const rsa = createKey('RS256', { kid: 'page-rsa' });
    const claims = { iss: 'https://sso.example.com/realms/ScpCloud', sub: 'u1', exp: now() + 600, iat: now(), typ: 'Bearer' };
    const token = signJws({ alg: 'RS256', typ: 'JWT', kid: 'page-rsa' }, claims, { privateKey: rsa.privateKey });
    const jwks = JSON.stringify({ keys: [rsa.jwk] });
    await page.click('#tab-verify');
    await page.fill('#verify-token', token);
    await page.fill('#verify-key', jwks);
    await settle(page);
    const result = page.locator('#verify-result');
    assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText());
    assert.match(await result.innerText(), /signature verified \(RS256\)/);

    const check = async (tok, key, code) => {
      await page.fill('#verify-token', tok);
      await page.fill('#verify-key', key);
      await settle(page);
      assert.equal(await result.getAttribute('data-code'), code, await result.innerText());
    };
    await check(flipSignatureByte(token), jwks, 'bad_signature');
    const other = createKey('RS256', { kid: 'someone-else' });
    await check(token, JSON.stringify({ keys: [other.jwk] }), 'unknown_key');
    await check(signJws({ alg: 'none', kid: 'page-rsa' }, claims, { alg: 'none' }), jwks, 'algorithm_not_allowed');
    // The good token relabelled HS256 (payload and signature kept): the
    // worker refuses the algorithm, since the keys hold no HMAC secret.
    const [, pl, sg] = token.split('.');
    const relabelled = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'page-rsa' }))}.${pl}.${sg}`;
    await check(relabelled, jwks, 'algorithm_not_allowed');
    await check('not.a.token', jwks, 'invalid_token');
    // PEM (SPKI and PKCS#1) of the same key verify; so does an HMAC secret.
    for (const type of ['spki', 'pkcs1']) {
      await page.fill('#verify-token', token);
      await page.fill('#verify-key', rsa.publicKey.export({ type, format: 'pem' }));
      await settle(page);
      assert.equal(await result.getAttribute('data-ok'), 'true', `${type}: ${await result.innerText()}`);
    }
    const secret = 'an-hmac-secret-that-is-long-enough-32';
    const hs = signJws({ alg: 'HS256', typ: 'JWT' }, claims, { secret });
    await page.fill('#verify-token', hs);
    await page.fill('#verify-key', secret);
    await settle(page);
    assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText());
    await check(hs, 'another-hmac-secret-that-is-long-enough', 'bad_signature');
    // A good signature on an expired token: the time check says so.
    const old = signJws({ alg: 'RS256', kid: 'page-rsa' }, { ...claims, exp: now() - 3600 }, { privateKey: rsa.privateKey });
    await page.fill('#verify-token', old);
    await page.fill('#verify-key', jwks);
    await settle(page);
    assert.equal(await result.getAttribute('data-ok'), 'true');
    assert.equal(await result.getAttribute('data-times-code'), 'token_expired');
    // Nothing calls that token valid: the signature is, the edge refuses it.
    assert.deepEqual(await result.locator('.badge').allInnerTexts(), ['signature valid', '401 token_expired']);
    assert.match(await result.innerText(), /the edge refuses the token/);
    assert.deepEqual(page.requests, [], 'verifying made a request');
  });

  it('fetches the JWKS from discovery only when the button is pressed', async () => {
    const key = createKey('ES256', { kid: 'disc-ec' });
    let issuer;
    const seen = [];
    const idp = http.createServer((req, res) => {
      seen.push(req.url);
      const body =
        req.url === '/realms/x/.well-known/openid-configuration'
          ? { issuer, jwks_uri: `${issuer}/certs` }
          : req.url === '/realms/x/certs'
            ? { keys: [key.jwk] }
            : null;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(body ?? {}));
    });
    await new Promise((r) => idp.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${idp.address().port}/realms/x`;
    try {
      const page = await h.open();
      const token = signJws({ alg: 'ES256', kid: 'disc-ec' }, { iss: issuer, exp: now() + 300 }, { privateKey: key.privateKey });
      await page.click('#tab-verify');
      await page.fill('#verify-token', token);
      await settle(page);
      assert.deepEqual(seen, [], 'nothing fetched before the button');
      assert.match(await text(page, '#fetch-note'), /will request .*openid-configuration/);
      await page.click('#fetch-jwks');
      await page.waitForSelector('#verify-result[data-ok="true"]', { timeout: 5000 });
      assert.deepEqual(seen, ['/realms/x/.well-known/openid-configuration', '/realms/x/certs']);
      assert.deepEqual(
        page.requests.map((u) => new URL(u).pathname),
        ['/realms/x/.well-known/openid-configuration', '/realms/x/certs'],
      );
    } finally {
      await new Promise((r) => idp.close(r));
    }
  });

  it('builds a client_secret_basic header equal to the reference encoding', async () => {
    const page = await h.open();
    await page.click('#tab-build');
    const id = 'svc:a b';
    const secret = "p+ss w:rd%~!'()*é";
    const endpoint = 'http://127.0.0.1:9400/realms/demo/protocol/openid-connect/token';
    await page.fill('#basic-id', id);
    await page.fill('#basic-secret', secret);
    await page.fill('#basic-endpoint', endpoint);
    await settle(page);
    const reference = Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64');
    assert.equal(await text(page, '#basic-header'), `Authorization: Basic ${reference}`);
    const curl = await text(page, '#basic-curl');
    assert.ok(curl.includes(`'${endpoint}'`), curl);
    assert.ok(curl.includes(`-H 'Authorization: Basic ${reference}'`), curl);
    assert.ok(curl.includes("-d 'grant_type=client_credentials'"), curl);
    assert.match(await text(page, '#basic-out'), /curl -u id:secret/);
    assert.ok(!page.url().includes('svc'), 'nothing of the credentials in the fragment');
    assert.deepEqual(page.requests, []);
  });

  it('signs a jwt-bearer assertion that verifies with the public key', async () => {
    const page = await h.open();
    await page.click('#tab-build');
    for (const type of ['pkcs1', 'pkcs8']) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const file = {
        private_key_id: `kid-${type}`,
        private_key: privateKey.export({ type, format: 'pem' }),
        client_email: 'thirdparty@example.auth.test',
        client_id: 'example',
        type: 'service_account',
        token_uri: 'https://authn.example.test/oauth/token',
      };
      await page.fill('#sa-json', JSON.stringify(file, null, 2));
      await page.fill('#sa-scope', 'mysim.editor.fullcontrol');
      const before = now();
      await page.click('#sa-build');
      await page.waitForSelector('#sa-assertion');
      const assertion = await text(page, '#sa-assertion');
      const [hd, pl, sg] = assertion.split('.');
      assert.ok(
        crypto.verify('sha256', Buffer.from(`${hd}.${pl}`), publicKey, Buffer.from(sg, 'base64url')),
        `${type}: the signature verifies with the public key`,
      );
      assert.deepEqual(part(assertion, 0), { alg: 'RS256', kid: `kid-${type}`, typ: 'JWT' });
      const c = part(assertion, 1);
      assert.equal(c.iss, file.client_email);
      assert.equal(c.aud, file.token_uri);
      assert.equal(c.scope, 'mysim.editor.fullcontrol');
      assert.ok(c.iat >= before - 1 && c.iat <= now() + 1, `iat ${c.iat}`);
      assert.ok(c.exp > c.iat && c.exp - c.iat <= 3600, `exp ${c.exp}`);
      assert.match(c.jti, /^[A-Za-z0-9_-]{22}$/);
      const curl = await text(page, '#sa-curl');
      assert.ok(curl.includes("--data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer'"), curl);
      assert.ok(curl.includes(`--data-urlencode 'assertion=${assertion}'`), curl);
      assert.ok(!page.url().includes('PRIVATE') && !page.url().includes('kid-'), page.url());
    }
    assert.deepEqual(page.requests, [], 'signing made a request');
  });

  it('is keyboard-friendly and fits a phone', async () => {
    const page = await h.open({ viewport: { width: 390, height: 844 } });
    await page.focus('#tab-decode');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute('#tab-verify', 'aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-verify');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('#tab-build', 'aria-selected'), 'true');
    await page.keyboard.press('Home');
    await page.fill('#token-input', SEED.customer);
    await settle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `horizontal scroll of ${overflow}px on a phone`);
    await shot(page, 'phone-decode', { fullPage: false });
  });

  it('takes the screenshots: decode in light and verify in dark', async () => {
    const light = await h.open({ hash: `#token=${SEED.customer}` });
    await shot(light, 'decode-light', { fullPage: true });
    const dark = await h.open({ colorScheme: 'dark' });
    const rsa = createKey('RS256', { kid: 'shot-rsa' });
    const token = signJws(
      { alg: 'RS256', typ: 'JWT', kid: 'shot-rsa' },
      { iss: 'https://sso.example.com/realms/ScpCloud', sub: 'svc', exp: now() + 840, iat: now() - 60, organizationId: 'org-a' },
      { privateKey: rsa.privateKey },
    );
    await dark.click('#tab-verify');
    await dark.fill('#verify-token', token);
    await dark.fill('#verify-key', JSON.stringify({ keys: [rsa.jwk] }, null, 2));
    await settle(dark);
    await shot(dark, 'verify-dark', { fullPage: true });
  });
});
