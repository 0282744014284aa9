//! Authentication and authorization through the router core: each method's success and
//! failure (answered with the client-side functions of `wamp::auth`), method selection, config
//! errors, config from TOML, and denial per action.

mod router_support;

use router_support::*;
use zerowamp::router::{
    reason, CraSecret, Permission, Principal, RealmConfig, RoleConfig, Router, RouterConfig,
    RouterEvent, TransportInfo, UriMatch,
};
use zerowamp::wamp::auth::cra::{self, Salting};
use zerowamp::wamp::auth::cryptosign::{ChannelBinding, SigningKey};
use zerowamp::wamp::auth::ticket::{self, Ticket};
use zerowamp::wamp::message::{Authenticate, Challenge, Message};
use zerowamp::wamp::{Dict, Payload, Value};

const SEED: [u8; 32] = [9; 32];

fn config() -> RouterConfig {
    let key = SigningKey::from_seed(&SEED).public_key().to_hex();
    let salting = Salting::new("salt123", 100, 32).unwrap();
    let realm = RealmConfig {
        name: "secure".into(),
        anonymous_role: None,
        roles: vec![
            RoleConfig {
                name: "user".into(),
                permissions: vec![
                    Permission::all("com.app.", UriMatch::Prefix),
                    Permission {
                        uri: "com.app.private.".into(),
                        match_: UriMatch::Prefix,
                        disclose_caller: false,
                        disclose_publisher: false,
                        ..Permission::default()
                    },
                ],
            },
            RoleConfig {
                name: "reader".into(),
                permissions: vec![Permission {
                    uri: "com.app.".into(),
                    match_: UriMatch::Prefix,
                    call: true,
                    subscribe: true,
                    disclose_caller: false,
                    disclose_publisher: false,
                    ..Permission::default()
                }],
            },
        ],
        principals: vec![
            Principal {
                authid: "tom".into(),
                authrole: "user".into(),
                ticket: Some("secret!!!".into()),
                ..Principal::default()
            },
            Principal {
                authid: "peter".into(),
                authrole: "reader".into(),
                wampcra: Some(CraSecret {
                    secret: "secret1".into(),
                    ..CraSecret::default()
                }),
                ..Principal::default()
            },
            Principal {
                authid: "salty".into(),
                authrole: "user".into(),
                wampcra: Some(CraSecret {
                    secret: cra::derive_key(b"password", &salting),
                    salt: Some("salt123".into()),
                    iterations: Some(100),
                    keylen: Some(32),
                }),
                ..Principal::default()
            },
            Principal {
                authid: "carol".into(),
                authrole: "user".into(),
                cryptosign: vec![key],
                ..Principal::default()
            },
        ],
        meta_api: true,
        strict_uris: false,
    };
    RouterConfig {
        realms: vec![realm],
        ..RouterConfig::default()
    }
}

fn auth_hello(methods: &[&str], authid: Option<&str>, authextra: Option<Dict>) -> Message {
    let mut extra = vec![(
        "authmethods",
        Value::List(methods.iter().map(|m| Value::from(*m)).collect()),
    )];
    if let Some(a) = authid {
        extra.push(("authid", Value::from(a)));
    }
    if let Some(e) = authextra {
        extra.push(("authextra", Value::Dict(e)));
    }
    hello("secure", &extra)
}

fn challenge(net: &mut Net, peer: zerowamp::router::PeerId) -> Challenge {
    match net.recv(peer) {
        Some(Message::Challenge(c)) => c,
        other => panic!("expected CHALLENGE, got {other:?}"),
    }
}

fn authenticate(signature: String) -> Message {
    Message::Authenticate(Authenticate {
        signature,
        extra: Dict::new(),
    })
}

/// Runs HELLO → CHALLENGE → AUTHENTICATE with `answer` computing the signature.
fn login(
    net: &mut Net,
    hello: Message,
    answer: impl FnOnce(&Challenge) -> String,
) -> (zerowamp::router::PeerId, Option<Message>) {
    let peer = net.attach();
    net.send(peer, hello);
    let c = challenge(net, peer);
    net.send(peer, authenticate(answer(&c)));
    (peer, net.recv(peer))
}

fn welcomed(m: Option<Message>, authid: &str, authrole: &str, method: &str) {
    match m {
        Some(Message::Welcome(w)) => {
            assert_eq!(w.details.get("authid"), Some(&Value::from(authid)));
            assert_eq!(w.details.get("authrole"), Some(&Value::from(authrole)));
            assert_eq!(w.details.get("authmethod"), Some(&Value::from(method)));
        }
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

fn failed(m: Option<Message>) {
    match m {
        Some(Message::Abort(a)) => assert_eq!(a.reason, reason::AUTHENTICATION_FAILED),
        other => panic!("expected ABORT, got {other:?}"),
    }
}

#[test]
fn ticket() {
    let mut net = Net::new(config());
    let (_, m) = login(&mut net, auth_hello(&["ticket"], Some("tom"), None), |c| {
        assert_eq!(c.method, "ticket");
        ticket::respond(&Ticket::new("secret!!!"))
    });
    welcomed(m, "tom", "user", "ticket");
    let (peer, m) = login(&mut net, auth_hello(&["ticket"], Some("tom"), None), |_| {
        "wrong".into()
    });
    failed(m);
    assert!(net.router.should_close(peer));
}

#[test]
fn wampcra_plain_and_salted() {
    let mut net = Net::new(config());
    let (_, m) = login(
        &mut net,
        auth_hello(&["wampcra"], Some("peter"), None),
        |c| {
            let text = c.extra.get("challenge").and_then(Value::as_str).unwrap();
            assert!(text.contains("\"authid\": \"peter\""), "{text}");
            assert!(c.extra.get("salt").is_none());
            cra::respond(b"secret1", text, None)
        },
    );
    welcomed(m, "peter", "reader", "wampcra");
    let (_, m) = login(
        &mut net,
        auth_hello(&["wampcra"], Some("peter"), None),
        |c| {
            cra::respond(
                b"secret2",
                c.extra.get("challenge").and_then(Value::as_str).unwrap(),
                None,
            )
        },
    );
    failed(m);

    let salted = |password: &'static [u8]| {
        move |c: &Challenge| {
            let text = c.extra.get("challenge").and_then(Value::as_str).unwrap();
            let salting = Salting::from_extra(
                c.extra.get("salt").and_then(Value::as_str).unwrap(),
                c.extra.get("iterations").and_then(Value::as_u64),
                c.extra.get("keylen").and_then(Value::as_u64),
            )
            .unwrap();
            cra::respond(password, text, Some(&salting))
        }
    };
    let (_, m) = login(
        &mut net,
        auth_hello(&["wampcra"], Some("salty"), None),
        salted(b"password"),
    );
    welcomed(m, "salty", "user", "wampcra");
    let (_, m) = login(
        &mut net,
        auth_hello(&["wampcra"], Some("salty"), None),
        salted(b"passw0rd"),
    );
    failed(m);
}

#[test]
fn cryptosign_with_and_without_authid() {
    let mut net = Net::new(config());
    let key = SigningKey::from_seed(&SEED);
    let extra = dict(&[("pubkey", Value::from(key.public_key().to_hex()))]);
    let sign = |k: SigningKey| {
        move |c: &Challenge| {
            let hex = c.extra.get("challenge").and_then(Value::as_str).unwrap();
            k.respond(hex, None).unwrap()
        }
    };
    let (_, m) = login(
        &mut net,
        auth_hello(&["cryptosign"], Some("carol"), Some(extra.clone())),
        sign(key.clone()),
    );
    welcomed(m, "carol", "user", "cryptosign");
    let (_, m) = login(
        &mut net,
        auth_hello(&["cryptosign"], None, Some(extra.clone())),
        sign(key.clone()),
    );
    welcomed(m, "carol", "user", "cryptosign");
    // Signed with another key than the one announced.
    let (_, m) = login(
        &mut net,
        auth_hello(&["cryptosign"], Some("carol"), Some(extra.clone())),
        sign(SigningKey::from_seed(&[1; 32])),
    );
    failed(m);
    // Garbage signature text.
    let (_, m) = login(
        &mut net,
        auth_hello(&["cryptosign"], Some("carol"), Some(extra)),
        |_| "zz".into(),
    );
    failed(m);
    // A key nobody has: no method applies.
    let other = dict(&[(
        "pubkey",
        Value::from(SigningKey::from_seed(&[2; 32]).public_key().to_hex()),
    )]);
    let peer = net.attach();
    net.send(peer, auth_hello(&["cryptosign"], None, Some(other)));
    assert_eq!(net.abort(peer).reason, reason::NO_AUTH_METHOD);
}

#[test]
fn cryptosign_channel_binding() {
    let mut net = Net::new(config());
    let channel_id = [5u8; 32];
    let mut transport = TransportInfo::local();
    transport.channel_binding = Some((ChannelBinding::TlsUnique, channel_id));
    let key = SigningKey::from_seed(&SEED);
    let extra = dict(&[
        ("pubkey", Value::from(key.public_key().to_hex())),
        ("channel_binding", Value::from("tls-unique")),
    ]);
    let peer = net.router.attach(transport);
    net.send(
        peer,
        auth_hello(&["cryptosign"], Some("carol"), Some(extra.clone())),
    );
    let c = challenge(&mut net, peer);
    assert_eq!(
        c.extra.get("channel_binding"),
        Some(&Value::from("tls-unique"))
    );
    let hex = c.extra.get("challenge").and_then(Value::as_str).unwrap();
    net.send(
        peer,
        authenticate(key.respond(hex, Some(&channel_id)).unwrap()),
    );
    welcomed(net.recv(peer), "carol", "user", "cryptosign");

    // Asked for, but this transport has no TLS channel.
    let peer = net.attach();
    net.send(
        peer,
        auth_hello(&["cryptosign"], Some("carol"), Some(extra)),
    );
    assert_eq!(net.abort(peer).reason, reason::AUTHENTICATION_FAILED);
}

#[test]
fn method_selection_and_refusals() {
    let mut net = Net::new(config());
    // Anonymous is not configured in this realm; the client's next method is used.
    let peer = net.attach();
    net.send(
        peer,
        auth_hello(&["anonymous", "ticket"], Some("tom"), None),
    );
    assert_eq!(challenge(&mut net, peer).method, "ticket");
    // Unknown principals and methods the realm cannot serve.
    for hello in [
        auth_hello(&["anonymous"], None, None),
        auth_hello(&["ticket"], Some("nobody"), None),
        auth_hello(&["wampcra"], Some("tom"), None),
        auth_hello(&["scram"], Some("tom"), None),
        auth_hello(&["ticket"], None, None),
    ] {
        let peer = net.attach();
        net.send(peer, hello);
        assert_eq!(net.abort(peer).reason, reason::NO_AUTH_METHOD);
    }
    let peer = net.attach();
    net.send(peer, hello("nope", &[]));
    assert_eq!(net.abort(peer).reason, reason::NO_SUCH_REALM);
    // Something other than AUTHENTICATE after the challenge.
    let peer = net.attach();
    net.send(peer, auth_hello(&["ticket"], Some("tom"), None));
    challenge(&mut net, peer);
    net.send(peer, call(1, "com.app.x", Dict::new(), Payload::default()));
    assert_eq!(net.abort(peer).reason, reason::PROTOCOL_VIOLATION);
    let refused = std::iter::from_fn(|| net.router.poll_event())
        .filter(|e| matches!(e, RouterEvent::Refused { .. }))
        .count();
    assert_eq!(refused, 6);
    // Only the first peer, still being challenged, counts; refused ones do not.
    assert_eq!(net.router.session_count(), 1);
}

/// A joined session of the `secure` realm with the given credentials.
fn join_as(net: &mut Net, authid: &str) -> Client {
    let (peer, m) = match authid {
        "tom" => login(net, auth_hello(&["ticket"], Some("tom"), None), |_| {
            "secret!!!".into()
        }),
        _ => login(net, auth_hello(&["wampcra"], Some("peter"), None), |c| {
            cra::respond(
                b"secret1",
                c.extra.get("challenge").and_then(Value::as_str).unwrap(),
                None,
            )
        }),
    };
    match m {
        Some(Message::Welcome(w)) => Client {
            peer,
            session: w.session,
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn denial_per_action() {
    let mut net = Net::new(config());
    let (tom, peter) = (join_as(&mut net, "tom"), join_as(&mut net, "peter"));
    // peter (reader) may call and subscribe under com.app., nothing else.
    net.send(peter.peer, register(1, "com.app.p", Dict::new()));
    assert_eq!(net.error(peter).error, reason::NOT_AUTHORIZED);
    let ack = dict(&[("acknowledge", Value::Bool(true))]);
    net.send(
        peter.peer,
        publish(2, "com.app.t", ack.clone(), Payload::default()),
    );
    assert_eq!(net.error(peter).error, reason::NOT_AUTHORIZED);
    net.send(
        peter.peer,
        publish(3, "com.app.t", Dict::new(), Payload::default()),
    );
    assert!(
        net.recv(peter.peer).is_none(),
        "no ERROR without acknowledge"
    );
    net.send(peter.peer, subscribe(4, "org.other", Dict::new()));
    assert_eq!(net.error(peter).error, reason::NOT_AUTHORIZED);
    net.send(
        peter.peer,
        call(5, "org.other", Dict::new(), Payload::default()),
    );
    let e = net.error(peter);
    assert_eq!((e.error.as_str(), e.request), (reason::NOT_AUTHORIZED, 5));
    // The more specific permission on com.app.private. denies tom everything there.
    for (n, msg) in [
        call(1, "com.app.private.x", Dict::new(), Payload::default()),
        register(2, "com.app.private.x", Dict::new()),
        subscribe(3, "com.app.private.x", Dict::new()),
        publish(4, "com.app.private.x", ack.clone(), Payload::default()),
    ]
    .into_iter()
    .enumerate()
    {
        net.send(tom.peer, msg);
        let e = net.error(tom);
        assert_eq!(
            (e.error.as_str(), e.request),
            (reason::NOT_AUTHORIZED, n as u64 + 1)
        );
    }
    // What is allowed works, and disclosure a role may not make is refused.
    net.register(tom, 10, "com.app.echo", Dict::new());
    let sub = net.subscribe(peter, 11, "com.app.t", Dict::new());
    net.send(
        peter.peer,
        call(
            12,
            "com.app.echo",
            dict(&[("disclose_me", Value::Bool(true))]),
            Payload::default(),
        ),
    );
    assert_eq!(net.error(peter).error, reason::DISCLOSE_ME_DISALLOWED);
    net.send(
        peter.peer,
        call(13, "com.app.echo", Dict::new(), Payload::default()),
    );
    assert!(net.invocation(tom).details.get("caller").is_none());
    // A registration asking for the caller's identity does not get it when the role forbids.
    net.register(
        tom,
        14,
        "com.app.echo2",
        dict(&[("disclose_caller", Value::Bool(true))]),
    );
    net.send(
        peter.peer,
        call(15, "com.app.echo2", Dict::new(), Payload::default()),
    );
    assert!(net.invocation(tom).details.get("caller").is_none());
    net.send(
        tom.peer,
        call(16, "com.app.echo2", Dict::new(), Payload::default()),
    );
    assert_eq!(
        net.invocation(tom).details.get("caller"),
        Some(&Value::from(tom.session))
    );
    net.send(
        tom.peer,
        publish(17, "com.app.t", Dict::new(), Payload::default()),
    );
    assert_eq!(net.event(peter).subscription, sub);
}

#[test]
fn config_errors_name_the_field() {
    let mut bad_role = config();
    bad_role.realms[0].principals[0].authrole = "ghost".into();
    let e = Router::with_seed(bad_role, 1).unwrap_err();
    assert!(e.to_string().contains("\"ghost\""), "{e}");
    let mut bad_key = config();
    bad_key.realms[0].principals[3].cryptosign = vec!["abcd".into()];
    let e = Router::with_seed(bad_key, 1).unwrap_err();
    assert_eq!(e.field, "realms[0].principals[3].cryptosign[0]");
    let mut bad_uri = config();
    bad_uri.realms[0].roles[0].permissions[0].uri = "com..x".into();
    let e = Router::with_seed(bad_uri, 1).unwrap_err();
    assert_eq!(e.field, "realms[0].roles[0].permissions[0].uri");
    let mut twice = config();
    twice.realms.push(twice.realms[0].clone());
    let e = Router::with_seed(twice, 1).unwrap_err();
    assert_eq!(e.field, "realms[1].name");
    let mut salt = config();
    salt.realms[0].principals[2]
        .wampcra
        .as_mut()
        .unwrap()
        .iterations = Some(0);
    let e = Router::with_seed(salt, 1).unwrap_err();
    assert_eq!(e.field, "realms[0].principals[2].wampcra");
}

#[test]
fn config_loads_from_toml() {
    let text = r#"
        [limits]
        max_sessions = 5

        [[realms]]
        name = "realm1"
        anonymous_role = "guest"

        [[realms.roles]]
        name = "guest"
        permissions = [
            { uri = "com.public.", match = "prefix", call = true, subscribe = true },
            { uri = "com..status", match = "wildcard", publish = true, disclose_publisher = false },
        ]

        [[realms.principals]]
        authid = "tom"
        authrole = "guest"
        ticket = "secret!!!"
        wampcra = { secret = "x", salt = "s", iterations = 10 }
    "#;
    let config: RouterConfig = toml::from_str(text).expect("valid TOML config");
    assert_eq!(config.limits.max_sessions, 5);
    assert_eq!(
        config.limits.max_outbound_queue,
        zerowamp::router::Limits::default().max_outbound_queue
    );
    let realm = &config.realms[0];
    assert!(realm.meta_api, "meta_api defaults to on");
    assert_eq!(realm.roles[0].permissions[1].match_, UriMatch::Wildcard);
    assert!(!realm.roles[0].permissions[1].disclose_publisher);
    assert!(realm.roles[0].permissions[0].disclose_caller);
    assert_eq!(
        realm.principals[0]
            .wampcra
            .as_ref()
            .and_then(|c| c.iterations),
        Some(10)
    );
    Router::with_seed(config.clone(), 1).expect("usable");
    // Round trip, and unknown fields are refused.
    let again: RouterConfig = toml::from_str(&toml::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);
    let e = toml::from_str::<RouterConfig>("[[realms]]\nname = \"r\"\nanonymus_role = \"x\"\n");
    assert!(e.unwrap_err().to_string().contains("anonymus_role"));
}
