// The page's only network requests, made when a button that says
// "Fetch" is pressed: the issuer's discovery document, then its JWKS.
// Which jwks_uri may be followed is the core's decision
// (core.jwks_uri_from_discovery), the same rule the edge applies.

const OPTIONS = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'error' };

async function getText(url) {
  let res;
  try {
    res = await fetch(url, OPTIONS);
  } catch (err) {
    throw new Error(
      `${url} could not be read (${err.message}): unreachable, or it does not allow other pages to read it (CORS). Paste the JWKS instead.`,
    );
  }
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  return res.text();
}

/**
 * -> { text, jwksUri } or { error }. `jwksUri` skips discovery (an issuer
 * configured with one); else `discoveryUrl` is read first.
 */
export async function fetchJwks(core, issuer, { discoveryUrl, jwksUri } = {}) {
  try {
    let uri = jwksUri;
    if (!uri) {
      const doc = await getText(discoveryUrl);
      const found = core.jwks_uri_from_discovery(issuer, doc);
      if (found.error) return { error: found.error };
      uri = found.jwks_uri;
    }
    const text = await getText(uri);
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* shown as it came; the core says what is wrong with it */
    }
    return { text: pretty, jwksUri: uri };
  } catch (err) {
    return { error: err.message };
  }
}
