//! Just enough URL parsing to tell `https://` from plain `http://` and a
//! loopback host from any other. Deliberately stricter than WHATWG: what it
//! would have to guess at (userinfo, backslashes, whitespace, non-ASCII,
//! empty ports) is refused, so the host we judge is the host a fetch uses.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HttpUrl {
    pub https: bool,
    /// Lowercased; IPv6 literals keep their brackets (`[::1]`).
    pub host: String,
    /// Anything after the authority starts with `?` or `#`.
    pub has_query_or_fragment: bool,
}

impl HttpUrl {
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "127.0.0.1" | "[::1]" | "localhost")
    }
}

pub(super) fn parse(s: &str) -> Result<HttpUrl, String> {
    if let Some(c) = s
        .chars()
        .find(|c| !c.is_ascii_graphic() || *c == '\\' || *c == '"')
    {
        return Err(format!("character {c:?} is not allowed in a URL"));
    }
    let (scheme, rest) = s
        .split_once("://")
        .ok_or("must be an absolute http:// or https:// URL")?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err("must be an absolute http:// or https:// URL".into());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err("credentials in a URL (`user@host`) are not allowed".into());
    }
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65535);
        if !valid {
            return Err("the port must be a number up to 65535".into());
        }
    }
    Ok(HttpUrl {
        https,
        host: host.to_ascii_lowercase(),
        has_query_or_fragment: tail.contains(['?', '#']),
    })
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), String> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or("unclosed `[` in the host")?;
        let (host, after) = authority.split_at(close + 1);
        let inner = host.trim_start_matches('[').trim_end_matches(']');
        if inner.is_empty()
            || !inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("not a valid IPv6 literal".into());
        }
        return match after {
            "" => Ok((host, None)),
            p => match p.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("unexpected text after the IPv6 literal".into()),
            },
        };
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    {
        return Err("the host has characters a host name cannot have".into());
    }
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn loopback_http(s: &str) -> bool {
        parse(s).is_ok_and(|u| !u.https && u.is_loopback())
    }

    #[test]
    fn loopback_hosts() {
        for ok in [
            "http://127.0.0.1/certs",
            "http://127.0.0.1:8080",
            "http://localhost:9000/realms/x",
            "HTTP://LOCALHOST/",
            "http://[::1]:8443/jwks",
            "http://[::1]",
        ] {
            assert!(loopback_http(ok), "{ok}");
        }
    }

    #[test]
    fn look_alike_hosts_are_not_loopback() {
        for s in [
            "http://127.0.0.1.evil.com/",
            "http://localhost.evil.com/",
            "http://evil.com/127.0.0.1",
            "http://evil.com/?h=localhost",
            "http://127.0.0.2/",
            "http://[::2]/",
        ] {
            assert!(!loopback_http(s), "{s}");
        }
    }

    #[test]
    fn userinfo_tricks_are_refused() {
        for s in [
            "http://127.0.0.1@evil.com/",
            "http://localhost:80@evil.com/",
            "http://evil.com@127.0.0.1/",
            "https://user:pass@sso.example.com/",
            "http://127.0.0.1\\@evil.com/",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn other_bad_urls() {
        for s in [
            "",
            "sso.example.com",
            "ftp://sso.example.com",
            "https://",
            "https:///path",
            "https://a b.com",
            "https://exämple.com",
            "https://host:",
            "https://host:99999",
            "https://host:8a",
            "https://[::1",
            "https://[zz]",
            "https://[::1]x",
            "//host/path",
            " https://host",
        ] {
            assert!(parse(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn https_urls() {
        let u = parse("https://SSO.example.com:8443/realms/x?y#z").unwrap();
        assert!(u.https);
        assert_eq!(u.host, "sso.example.com");
        assert!(u.has_query_or_fragment);
        assert!(
            !parse("https://sso.example.com/a")
                .unwrap()
                .has_query_or_fragment
        );
    }
}
