//! Downloading an attachment's bytes: only from Discord's CDN (or the host
//! of `DISCORD_API_URL`, a proxy or the test fake), no redirects, with a
//! size cap and a time limit.

use crate::engine::attachments::NotChecked;
use reqwest::Url;
use std::time::Duration;

/// The hosts attachments are served from.
const DISCORD_CDN: &[&str] = &["cdn.discordapp.com", "media.discordapp.net"];

/// Where attachment bytes may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    /// (scheme, host, port) of `DISCORD_API_URL`.
    api: Option<(String, String, Option<u16>)>,
}

impl AllowedHosts {
    /// Discord's CDN over HTTPS, plus the origin of `api_url` when set.
    pub fn new(api_url: Option<&str>) -> AllowedHosts {
        let api = api_url.and_then(|u| Url::parse(u).ok()).and_then(|u| {
            let host = u.host_str()?.to_ascii_lowercase();
            Some((u.scheme().to_string(), host, u.port()))
        });
        AllowedHosts { api }
    }

    pub fn allows(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
        if url.scheme() == "https" && url.port().is_none() && DISCORD_CDN.contains(&host.as_str()) {
            return true;
        }
        self.api.as_ref().is_some_and(|(scheme, h, port)| url.scheme() == scheme && host == *h && url.port() == *port)
    }
}

/// An HTTP client for attachment downloads.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allowed: AllowedHosts,
    max_bytes: u64,
    timeout: Duration,
}

impl Fetcher {
    pub fn new(allowed: AllowedHosts, max_bytes: u64, timeout: Duration) -> Fetcher {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("SafeTweet/", env!("CARGO_PKG_VERSION"), " (attachment review)"))
            .build()
            .unwrap_or_default();
        Fetcher { client, allowed, max_bytes, timeout }
    }

    /// The bytes at `url`, or why they were not read. `declared` is the size
    /// Discord states (checked before downloading; the download is capped
    /// whatever it says).
    pub async fn fetch(&self, url: &str, declared: u64) -> Result<Vec<u8>, NotChecked> {
        if declared > self.max_bytes {
            return Err(NotChecked::TooLarge { size: declared, max: self.max_bytes });
        }
        let url = Url::parse(url).map_err(|_| NotChecked::NotFetched("its address is not a valid URL".into()))?;
        if !self.allowed.allows(&url) {
            return Err(NotChecked::NotFetched("its address is not on Discord's CDN".into()));
        }
        let secs = self.timeout.as_secs().max(1);
        match tokio::time::timeout(self.timeout, self.download(url)).await {
            Ok(r) => r,
            Err(_) => Err(NotChecked::TimedOut { secs, partly: false }),
        }
    }

    async fn download(&self, url: Url) -> Result<Vec<u8>, NotChecked> {
        let mut resp = self.client.get(url).send().await.map_err(|e| {
            NotChecked::NotFetched(if e.is_connect() { "cannot connect" } else { "network error" }.into())
        })?;
        if !resp.status().is_success() {
            return Err(NotChecked::NotFetched(format!("HTTP {}", resp.status().as_u16())));
        }
        if let Some(len) = resp.content_length().filter(|&l| l > self.max_bytes) {
            return Err(NotChecked::TooLarge { size: len, max: self.max_bytes });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) =
            resp.chunk().await.map_err(|_| NotChecked::NotFetched("the download broke off".into()))?
        {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(NotChecked::TooLarge { size: (bytes.len() + chunk.len()) as u64, max: self.max_bytes });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn only_discord_cdn_or_the_api_origin() {
        let a = AllowedHosts::new(None);
        assert!(a.allows(&url("https://cdn.discordapp.com/attachments/1/2/x.png?ex=1")));
        assert!(a.allows(&url("https://media.discordapp.net/attachments/1/2/x.png")));
        assert!(!a.allows(&url("http://cdn.discordapp.com/attachments/1/2/x.png")));
        assert!(!a.allows(&url("https://cdn.discordapp.com.evil.example/x.png")));
        assert!(!a.allows(&url("https://cdn.discordapp.com:8443/x.png")));
        assert!(!a.allows(&url("http://127.0.0.1:8080/attachments/1/x.png")));
        assert!(!a.allows(&url("http://169.254.169.254/latest/meta-data")));
        let t = AllowedHosts::new(Some("http://127.0.0.1:8080"));
        assert!(t.allows(&url("http://127.0.0.1:8080/attachments/1/x.png")));
        assert!(!t.allows(&url("http://127.0.0.1:9090/attachments/1/x.png")));
        assert!(!t.allows(&url("https://127.0.0.1:8080/x.png")));
        assert!(t.allows(&url("https://cdn.discordapp.com/attachments/1/2/x.png")));
    }

    #[tokio::test]
    async fn over_the_cap_or_elsewhere_is_not_fetched() {
        let f = Fetcher::new(AllowedHosts::new(None), 1000, Duration::from_secs(1));
        assert_eq!(
            f.fetch("https://cdn.discordapp.com/a/b.png", 5000).await,
            Err(NotChecked::TooLarge { size: 5000, max: 1000 })
        );
        assert!(matches!(f.fetch("https://example.org/b.png", 10).await, Err(NotChecked::NotFetched(_))));
        assert!(matches!(f.fetch("not a url", 10).await, Err(NotChecked::NotFetched(_))));
    }
}
