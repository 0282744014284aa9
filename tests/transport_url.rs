//! Transport URL parsing: every accepted form, and a clear refusal for each kind of mistake.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use zerowamp::transport::url::{Address, Framing, Host, Scheme, TransportUrl, UrlError};

fn parse(url: &str) -> TransportUrl {
    TransportUrl::parse(url).unwrap_or_else(|err| panic!("{url}: {err}"))
}

fn refuse(url: &str) -> UrlError {
    match TransportUrl::parse(url) {
        Ok(parsed) => panic!("{url} must be refused, parsed as {parsed:?}"),
        Err(err) => err,
    }
}

fn domain(name: &str) -> Host {
    Host::Domain(name.to_string())
}

#[test]
fn websocket_urls_with_default_ports_and_paths() {
    let cases = [
        ("ws://localhost", Scheme::Ws, domain("localhost"), 80, "/"),
        (
            "ws://example.com:8080/ws",
            Scheme::Ws,
            domain("example.com"),
            8080,
            "/ws",
        ),
        (
            "wss://example.com",
            Scheme::Wss,
            domain("example.com"),
            443,
            "/",
        ),
        (
            "wss://example.com:9443/a/b?x=1&y=%2F",
            Scheme::Wss,
            domain("example.com"),
            9443,
            "/a/b?x=1&y=%2F",
        ),
        (
            "ws://host?realm=r",
            Scheme::Ws,
            domain("host"),
            80,
            "/?realm=r",
        ),
        (
            "WS://Router.Example.COM/",
            Scheme::Ws,
            domain("router.example.com"),
            80,
            "/",
        ),
        (
            "ws://127.0.0.1:0/",
            Scheme::Ws,
            Host::Ipv4(Ipv4Addr::LOCALHOST),
            0,
            "/",
        ),
        (
            "ws://crossbar_router:8080/ws",
            Scheme::Ws,
            domain("crossbar_router"),
            8080,
            "/ws",
        ),
    ];
    for (url, scheme, host, port, resource) in cases {
        let parsed = parse(url);
        assert_eq!(parsed.scheme(), scheme, "{url}");
        assert_eq!(parsed.host(), Some(&host), "{url}");
        assert_eq!(parsed.port(), Some(port), "{url}");
        assert_eq!(parsed.resource(), Some(resource), "{url}");
        assert_eq!(parsed.framing(), Framing::WebSocket);
        assert_eq!(parsed.is_tls(), scheme == Scheme::Wss);
        assert_eq!(parsed.unix_path(), None);
    }
}

#[test]
fn rawsocket_urls_need_a_port_and_have_no_path() {
    let parsed = parse("rs://127.0.0.1:8080");
    assert_eq!(
        parsed.address(),
        &Address::Tcp {
            host: Host::Ipv4(Ipv4Addr::new(127, 0, 0, 1)),
            port: 8080
        }
    );
    assert_eq!(parsed.framing(), Framing::RawSocket);
    assert!(!parsed.is_tls());
    assert_eq!(parsed.resource(), None);
    assert_eq!(parsed.websocket_uri(), None);

    let parsed = parse("rss://router.example.com:8081/");
    assert!(parsed.is_tls());
    assert_eq!(parsed.port(), Some(8081));
    assert_eq!(parsed.to_string(), "rss://router.example.com:8081");

    assert_eq!(refuse("rs://localhost"), UrlError::MissingPort(Scheme::Rs));
    assert_eq!(
        refuse("rss://localhost/"),
        UrlError::MissingPort(Scheme::Rss)
    );
    assert!(refuse("rs://localhost")
        .to_string()
        .contains("need an explicit port"));
    assert_eq!(
        refuse("rs://localhost:8080/ws"),
        UrlError::PathNotAllowed {
            scheme: Scheme::Rs,
            path: "/ws".into()
        }
    );
    assert_eq!(
        refuse("rs://localhost:8080?x"),
        UrlError::QueryNotAllowed(Scheme::Rs)
    );
}

#[test]
fn ipv6_literals_are_bracketed() {
    let parsed = parse("ws://[::1]:9000/ws");
    assert_eq!(parsed.host(), Some(&Host::Ipv6(Ipv6Addr::LOCALHOST)));
    assert_eq!(parsed.port(), Some(9000));
    assert_eq!(parsed.to_string(), "ws://[::1]:9000/ws");

    let parsed = parse("rs://[2001:db8::7]:8080");
    assert_eq!(
        parsed.host(),
        Some(&Host::Ipv6("2001:db8::7".parse().unwrap()))
    );
    assert_eq!(parse("wss://[::1]").port(), Some(443));

    assert_eq!(
        refuse("ws://::1:8080/"),
        UrlError::UnbracketedIpv6("::1:8080".into())
    );
    assert_eq!(refuse("ws://[::1/"), UrlError::BadBrackets("[::1".into()));
    assert_eq!(
        refuse("ws://[::1]8080/"),
        UrlError::BadBrackets("[::1]8080".into())
    );
    assert_eq!(
        refuse("ws://[1.2.3.4]/"),
        UrlError::BadIpv6("1.2.3.4".into())
    );
    assert_eq!(
        refuse("ws://[fe80::1%25eth0]/"),
        UrlError::BadIpv6("fe80::1%25eth0".into())
    );
}

#[test]
fn unix_socket_urls_take_an_absolute_path() {
    let parsed = parse("unix:///run/crossbar/router.sock");
    assert_eq!(parsed.scheme(), Scheme::Unix);
    assert_eq!(parsed.framing(), Framing::RawSocket);
    assert_eq!(
        parsed.unix_path(),
        Some(Path::new("/run/crossbar/router.sock"))
    );
    assert_eq!((parsed.host(), parsed.port()), (None, None));
    assert_eq!(parsed.to_string(), "unix:///run/crossbar/router.sock");

    assert_eq!(
        refuse("unix://relative/router.sock"),
        UrlError::UnixPathNotAbsolute("relative/router.sock".into())
    );
    assert_eq!(
        refuse("unix://router.sock"),
        UrlError::UnixPathNotAbsolute("router.sock".into())
    );
    assert!(refuse("unix://router.sock")
        .to_string()
        .contains("unix:///absolute/path"));
    assert_eq!(
        refuse("unix:/tmp/x.sock"),
        UrlError::MissingSlashes(Scheme::Unix)
    );
    assert_eq!(refuse("unix:///"), UrlError::EmptyUnixPath);
    assert_eq!(
        refuse("unix:///tmp/x?y"),
        UrlError::QueryNotAllowed(Scheme::Unix)
    );
    let long = format!("unix:///{}", "a".repeat(107));
    assert_eq!(refuse(&long), UrlError::UnixPathTooLong(108));
    assert!(TransportUrl::parse(&format!("unix:///{}", "a".repeat(106))).is_ok());
}

#[test]
fn websocket_over_a_unix_socket() {
    let parsed = parse("ws+unix:///tmp/router.sock");
    assert_eq!(parsed.scheme(), Scheme::WsUnix);
    assert_eq!(parsed.framing(), Framing::WebSocket);
    assert_eq!(parsed.unix_path(), Some(Path::new("/tmp/router.sock")));
    assert_eq!(parsed.resource(), Some("/"));
    assert_eq!(parsed.websocket_uri().as_deref(), Some("ws://localhost/"));
    assert_eq!(parsed.to_string(), "ws+unix:///tmp/router.sock");

    let parsed = parse("ws+unix:///tmp/router.sock:/ws?x=1");
    assert_eq!(parsed.unix_path(), Some(Path::new("/tmp/router.sock")));
    assert_eq!(parsed.resource(), Some("/ws?x=1"));
    assert_eq!(
        parsed.websocket_uri().as_deref(),
        Some("ws://localhost/ws?x=1")
    );
    assert_eq!(parsed.to_string(), "ws+unix:///tmp/router.sock:/ws?x=1");

    assert!(matches!(
        refuse("ws+unix:///tmp/router.sock:ws"),
        UrlError::BadResource { .. }
    ));
    assert_eq!(
        refuse("ws+unix://tmp/router.sock"),
        UrlError::UnixPathNotAbsolute("tmp/router.sock".into())
    );
    assert_eq!(
        refuse("wss+unix:///tmp/router.sock"),
        UrlError::UnknownScheme("wss+unix".into())
    );
}

#[test]
fn websocket_uri_is_the_url_for_tcp() {
    assert_eq!(
        parse("wss://Example.com:443/ws").websocket_uri().as_deref(),
        Some("wss://example.com/ws")
    );
    assert_eq!(
        parse("ws://[::1]:8080").websocket_uri().as_deref(),
        Some("ws://[::1]:8080/")
    );
}

#[test]
fn display_round_trips() {
    for url in [
        "ws://localhost/",
        "ws://localhost:8080/ws",
        "wss://example.com/a?b=c",
        "rs://10.0.0.1:8080",
        "rss://[::1]:8081",
        "unix:///tmp/a.sock",
        "ws+unix:///tmp/a.sock:/ws",
    ] {
        let parsed = parse(url);
        assert_eq!(parsed.to_string(), url);
        assert_eq!(parse(&parsed.to_string()), parsed);
    }
    assert_eq!(parse("ws://localhost:80").to_string(), "ws://localhost/");
    assert_eq!("rs://h:1".parse::<TransportUrl>(), Ok(parse("rs://h:1")));
}

#[test]
fn scheme_mistakes_are_named() {
    assert_eq!(refuse(""), UrlError::Empty);
    assert_eq!(
        refuse("localhost:8080"),
        UrlError::UnknownScheme("localhost".into())
    );
    assert_eq!(refuse("//localhost"), UrlError::MissingScheme);
    assert_eq!(refuse(":8080"), UrlError::MissingScheme);
    assert_eq!(
        refuse("http://localhost/"),
        UrlError::UnknownScheme("http".into())
    );
    assert_eq!(
        refuse("tcp://localhost:80"),
        UrlError::UnknownScheme("tcp".into())
    );
    assert_eq!(refuse("ws:localhost"), UrlError::MissingSlashes(Scheme::Ws));
    assert!(refuse("http://x")
        .to_string()
        .contains("expected one of ws, wss, rs, rss, unix, ws+unix"));
}

#[test]
fn host_mistakes_are_named() {
    assert_eq!(refuse("ws://"), UrlError::MissingHost);
    assert_eq!(refuse("ws:///path"), UrlError::MissingHost);
    assert_eq!(refuse("rs://:8080"), UrlError::MissingHost);
    assert_eq!(refuse("ws://user:pw@host/"), UrlError::UserInfo);
    assert_eq!(
        refuse("ws://256.1.1.1/"),
        UrlError::BadIpv4("256.1.1.1".into())
    );
    assert_eq!(refuse("ws://1.2.3/"), UrlError::BadIpv4("1.2.3".into()));
    for (host, reason) in [
        ("a..b", "empty label"),
        (".a", "empty label"),
        ("-a.com", "starts or ends with '-'"),
        ("a-.com", "starts or ends with '-'"),
        ("a!b.com", "only letters, digits"),
        ("bücher.de", "punycode"),
    ] {
        let err = refuse(&format!("ws://{host}/"));
        assert!(
            matches!(&err, UrlError::BadHost { host: h, .. } if h == host),
            "{host}: {err:?}"
        );
        assert!(err.to_string().contains(reason), "{host}: {err}");
    }
    let long_label = format!("ws://{}.com/", "a".repeat(64));
    assert!(refuse(&long_label).to_string().contains("longer than 63"));
    let long_name = format!("ws://{}/", ["abcdefghi"; 26].join("."));
    assert!(refuse(&long_name).to_string().contains("longer than 253"));
    // A trailing dot (a fully qualified name) is fine.
    assert_eq!(
        parse("ws://example.com./").host(),
        Some(&domain("example.com."))
    );
}

#[test]
fn port_mistakes_are_named() {
    assert_eq!(refuse("ws://host:/"), UrlError::EmptyPort);
    assert_eq!(refuse("rs://host:"), UrlError::EmptyPort);
    assert_eq!(refuse("rs://host:65536"), UrlError::BadPort("65536".into()));
    assert_eq!(refuse("rs://host:http"), UrlError::BadPort("http".into()));
    assert_eq!(refuse("rs://host:+80"), UrlError::BadPort("+80".into()));
    assert_eq!(refuse("rs://host:-1"), UrlError::BadPort("-1".into()));
    assert_eq!(
        refuse("rs://host:99999999999999999999"),
        UrlError::BadPort("99999999999999999999".into())
    );
    assert_eq!(parse("rs://host:65535").port(), Some(65535));
}

#[test]
fn path_and_character_mistakes_are_named() {
    assert_eq!(refuse("ws://host/#frag"), UrlError::FragmentNotAllowed);
    assert_eq!(refuse("unix:///tmp/a#b"), UrlError::FragmentNotAllowed);
    assert_eq!(
        refuse("ws://host/a b"),
        UrlError::InvalidCharacter {
            character: ' ',
            position: 11
        }
    );
    assert_eq!(
        refuse(" ws://host/"),
        UrlError::InvalidCharacter {
            character: ' ',
            position: 0
        }
    );
    assert!(matches!(
        refuse("ws://host/a\u{0}"),
        UrlError::InvalidCharacter {
            character: '\u{0}',
            ..
        }
    ));
    let err = refuse("ws://host/%zz");
    assert!(err.to_string().contains("two hex digits"), "{err}");
    assert!(matches!(
        refuse("ws://host/%4"),
        UrlError::BadResource { .. }
    ));
    assert!(matches!(
        refuse("ws://host/ü"),
        UrlError::BadResource { .. }
    ));
    assert_eq!(parse("ws://host/%4a%2F").resource(), Some("/%4a%2F"));
}

#[test]
fn arbitrary_strings_never_panic() {
    // Every prefix of some tricky URLs, and every single character after each scheme.
    let samples = [
        "ws+unix:///tmp/a.sock:/ws?x#y",
        "wss://[2001:db8::1]:443/ws?a=%41",
        "rss://user@host:99999/x",
        "unix://ü/ßß",
        "rs://[:::]:1",
    ];
    for sample in samples {
        for (end, _) in sample.char_indices() {
            let _ = TransportUrl::parse(&sample[..end]);
        }
    }
    for scheme in ["ws://", "rs://", "unix://", "ws+unix://"] {
        for c in (0u32..0x250).filter_map(char::from_u32) {
            let _ = TransportUrl::parse(&format!("{scheme}{c}"));
            let _ = TransportUrl::parse(&format!("{scheme}h:{c}"));
            let _ = TransportUrl::parse(&format!("{scheme}[{c}]"));
        }
    }
}
