//! The Cloudflare Workers face (written next).
