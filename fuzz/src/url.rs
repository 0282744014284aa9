//! Transport URLs: parsing never panics, and a parsed URL prints as text that parses to the
//! same URL.

use zerowamp::transport::TransportUrl;

/// The property for the `transport_url` target.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = TransportUrl::parse(text) else {
        return;
    };
    let printed = url.to_string();
    let again = TransportUrl::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(url, again, "{text:?} printed as {printed:?}");
    let _ = (
        url.websocket_uri(),
        url.host(),
        url.port(),
        url.unix_path(),
        url.resource(),
    );
}
