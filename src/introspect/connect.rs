//! Connecting to a database from a user-supplied URL: `postgres://` / `postgresql://` URLs,
//! SQLAlchemy forms (`postgresql+asyncpg://`, `+psycopg2`, `+psycopg`, `+pg8000`: the driver
//! is ignored), and libpq `key=value` strings; `sslmode` through rustls; a connect timeout.
//!
//! Connection failures become [`DbError`] variants naming host, port, user and database, never
//! the password. This module does not read the catalog.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{version, DbError};

/// How to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Bound on connecting, and the `statement_timeout` of the catalog reads.
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
        }
    }
}

/// The oldest server driftlint reads (`server_version_num`).
pub const MIN_SERVER_VERSION: i32 = version::PG_11;

/// `sslmode`, as libpq defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, DbError> {
        Ok(match value.to_ascii_lowercase().as_str() {
            "disable" | "false" | "off" | "0" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" | "true" | "on" | "1" => SslMode::Require,
            "verify-ca" | "verify_ca" => SslMode::VerifyCa,
            "verify-full" | "verify_full" => SslMode::VerifyFull,
            other => {
                return Err(DbError::InvalidUrl {
                    reason: format!(
                        "unknown sslmode `{other}` (expected disable, prefer, require, verify-ca or verify-full)"
                    ),
                })
            }
        })
    }
}

/// A parsed connection target. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct Target {
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
    pub user: Option<String>,
    password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: Option<String>,
    pub options: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("hosts", &self.hosts)
            .field("ports", &self.ports)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Parses a URL or a libpq `key=value` string.
    pub fn parse(input: &str) -> Result<Target, DbError> {
        let input = input.trim();
        let lower = input.to_ascii_lowercase();
        let mut target = Target::default();
        let params = if let Some(rest) = url_rest(&lower).map(|skip| &input[skip..]) {
            parse_url(rest, &mut target)?
        } else if input.contains('=') {
            parse_key_values(input)?
        } else {
            return Err(DbError::InvalidUrl {
                reason: "expected a postgres:// or postgresql:// URL or a libpq `key=value` string"
                    .into(),
            });
        };
        for (key, value) in params {
            target.set(&key, value)?;
        }
        Ok(target)
    }

    fn set(&mut self, key: &str, value: String) -> Result<(), DbError> {
        match key {
            "host" | "hostaddr" => {
                self.hosts = value.split(',').map(str::to_string).collect();
            }
            "port" => {
                self.ports = value.split(',').map(parse_port).collect::<Result<_, _>>()?;
            }
            "user" | "username" => self.user = Some(value),
            "password" => self.password = Some(value),
            "dbname" | "database" => self.dbname = Some(value),
            "sslmode" | "ssl" => self.sslmode = Some(SslMode::parse(&value)?),
            "sslrootcert" => self.sslrootcert = Some(value),
            "connect_timeout" => {
                let seconds: u64 = value.trim().parse().map_err(|_| DbError::InvalidUrl {
                    reason: format!("connect_timeout `{value}` is not a number of seconds"),
                })?;
                if seconds > 0 {
                    self.connect_timeout = Some(Duration::from_secs(seconds));
                }
            }
            "application_name" => self.application_name = Some(value),
            "options" => self.options = Some(value),
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(DbError::InvalidUrl {
                    reason: format!("`{key}`: TLS client certificates are not supported"),
                })
            }
            // libpq settings that do not change what driftlint reads, and driver-only settings
            // found in SQLAlchemy / asyncpg / psycopg URLs.
            "client_encoding"
            | "fallback_application_name"
            | "keepalives"
            | "keepalives_idle"
            | "keepalives_interval"
            | "keepalives_count"
            | "tcp_user_timeout"
            | "target_session_attrs"
            | "gssencmode"
            | "channel_binding"
            | "sslcompression"
            | "sslsni"
            | "sslcrl"
            | "sslcrldir"
            | "ssl_min_protocol_version"
            | "ssl_max_protocol_version"
            | "requirepeer"
            | "krbsrvname"
            | "gsslib"
            | "service"
            | "prepared_statement_cache_size"
            | "statement_cache_size"
            | "prepare_threshold"
            | "async_fallback"
            | "command_timeout"
            | "timeout" => {}
            other => {
                return Err(DbError::InvalidUrl {
                    reason: format!("unknown connection parameter `{other}`"),
                })
            }
        }
        Ok(())
    }

    /// Fills what the string left out from the libpq environment (`PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`) and libpq's defaults.
    fn with_defaults(mut self) -> Target {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if self.hosts.is_empty() {
            self.hosts = env("PGHOST")
                .map(|h| h.split(',').map(str::to_string).collect())
                .unwrap_or_else(|| vec!["localhost".into()]);
        }
        if self.ports.is_empty() {
            self.ports = vec![env("PGPORT").and_then(|p| p.parse().ok()).unwrap_or(5432)];
        }
        if self.user.is_none() {
            self.user = env("PGUSER")
                .or_else(|| env("USER"))
                .or(Some("postgres".into()));
        }
        if self.password.is_none() {
            self.password = env("PGPASSWORD");
        }
        if self.dbname.is_none() {
            self.dbname = env("PGDATABASE").or_else(|| self.user.clone());
        }
        if self.sslmode.is_none() {
            self.sslmode = env("PGSSLMODE").and_then(|m| SslMode::parse(&m).ok());
        }
        if self.sslrootcert.is_none() {
            self.sslrootcert = env("PGSSLROOTCERT");
        }
        self
    }

    fn is_unix_socket(&self) -> bool {
        self.hosts
            .iter()
            .all(|h| h.starts_with('/') || h.starts_with('@'))
    }

    /// `host:port` of the first host, for messages.
    pub fn endpoint(&self) -> String {
        let host = self
            .hosts
            .first()
            .map(String::as_str)
            .unwrap_or("localhost");
        let port = self.ports.first().copied().unwrap_or(5432);
        if host.starts_with('/') {
            format!("{host}/.s.PGSQL.{port}")
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }
    }

    fn config(&self, timeout: Duration) -> postgres::Config {
        let mut config = postgres::Config::new();
        for host in &self.hosts {
            if host.starts_with('/') {
                config.host_path(host);
            } else {
                config.host(host);
            }
        }
        for port in &self.ports {
            config.port(*port);
        }
        if let Some(user) = &self.user {
            config.user(user);
        }
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(dbname) = &self.dbname {
            config.dbname(dbname);
        }
        config.application_name(self.application_name.as_deref().unwrap_or("driftlint"));
        if let Some(options) = &self.options {
            config.options(options);
        }
        config.connect_timeout(self.connect_timeout.unwrap_or(timeout).min(timeout));
        // A peer that vanished (or never acknowledges what is sent) is noticed by the kernel;
        // a live peer that stops sending is left to `crate::deadline`.
        config.keepalives_idle(timeout.clamp(Duration::from_secs(1), Duration::from_secs(60)));
        config.tcp_user_timeout(timeout.max(Duration::from_secs(1)));
        config
    }
}

/// Byte length of the `scheme://` prefix when `lower` starts with a PostgreSQL URL scheme,
/// `postgresql+driver://` included.
fn url_rest(lower: &str) -> Option<usize> {
    let (scheme, _) = lower.split_once("://")?;
    let base = scheme.split('+').next().unwrap_or(scheme);
    (base == "postgres" || base == "postgresql").then_some(scheme.len() + 3)
}

fn parse_port(text: &str) -> Result<u16, DbError> {
    text.trim().parse().map_err(|_| DbError::InvalidUrl {
        reason: format!("port `{text}` is not a number between 1 and 65535"),
    })
}

/// Parses `[user[:password]@][host[:port][,...]][/dbname][?key=value&...]`; returns the
/// query parameters (applied after, so they win like in libpq).
fn parse_url(rest: &str, target: &mut Target) -> Result<Vec<(String, String)>, DbError> {
    let (before_query, query) = match rest.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (before_query, None),
    };
    let (userinfo, hostspec) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    if let Some(userinfo) = userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            target.user = Some(percent_decode(user)?);
        }
        if let Some(password) = password {
            target.password = Some(percent_decode(password)?);
        }
    }
    for spec in hostspec.split(',').filter(|s| !s.is_empty()) {
        let (host, port) = if let Some(bracketed) = spec.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| DbError::InvalidUrl {
                    reason: "unterminated `[` in an IPv6 host".into(),
                })?;
            (host.to_string(), after.strip_prefix(':'))
        } else {
            match spec.rsplit_once(':') {
                Some((h, p)) => (percent_decode(h)?, Some(p)),
                None => (percent_decode(spec)?, None),
            }
        };
        if !host.is_empty() {
            target.hosts.push(host);
        }
        if let Some(port) = port.filter(|p| !p.is_empty()) {
            target.ports.push(parse_port(port)?);
        }
    }
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        target.dbname = Some(percent_decode(path)?);
    }
    let mut params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((percent_decode(key)?, percent_decode(value)?));
    }
    Ok(params)
}

fn percent_decode(text: &str) -> Result<String, DbError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| DbError::InvalidUrl {
                    reason: "a `%` in the URL is not followed by two hex digits".into(),
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DbError::InvalidUrl {
        reason: "the URL decodes to invalid UTF-8".into(),
    })
}

/// Parses libpq's `key=value key2='quoted \' value'` form.
fn parse_key_values(input: &str) -> Result<Vec<(String, String)>, DbError> {
    let mut params = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(DbError::InvalidUrl {
                reason: format!("missing `=` after `{key}` in the connection string"),
            });
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => {
                        if let Some(c) = chars.next() {
                            value.push(c);
                        }
                    }
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err(DbError::InvalidUrl {
                            reason: format!("unterminated quoted value for `{key}`"),
                        })
                    }
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '\\' {
                    chars.next();
                    if let Some(c) = chars.next() {
                        value.push(c);
                    }
                    continue;
                }
                value.push(c);
                chars.next();
            }
        }
        params.push((key, value));
    }
    Ok(params)
}

/// Connects, checks the server version, and returns a synchronous client.
///
/// The whole of it (TCP or socket connect, TLS handshake, authentication, the version query) is
/// bounded by `options.timeout` (or a shorter `connect_timeout` in the URL): a server that
/// accepts the connection and then never answers is a [`DbError::Timeout`], not a hang.
pub fn connect(url: &str, options: &ConnectOptions) -> Result<postgres::Client, DbError> {
    let target = Target::parse(url)?.with_defaults();
    let limit = target
        .connect_timeout
        .unwrap_or(options.timeout)
        .min(options.timeout);
    let (sender, receiver) = std::sync::mpsc::channel();
    let worker_target = target.clone();
    let timeout = options.timeout;
    let spawned = std::thread::Builder::new()
        .name("driftlint-connect".into())
        .spawn(move || {
            let _ = sender.send(connect_now(&worker_target, timeout));
        });
    if spawned.is_err() {
        return connect_now(&target, timeout);
    }
    match receiver.recv_timeout(limit) {
        Ok(result) => result,
        // The worker stays blocked on its socket until the process ends; nothing else waits on it.
        Err(_) => Err(DbError::Timeout {
            endpoint: target.endpoint(),
            seconds: limit.as_secs().max(1),
        }),
    }
}

fn connect_now(target: &Target, timeout: Duration) -> Result<postgres::Client, DbError> {
    let config = target.config(timeout);
    let unix = target.is_unix_socket();
    let mode = if unix {
        SslMode::Disable
    } else {
        target.sslmode.unwrap_or(SslMode::Prefer)
    };
    let result = if mode == SslMode::Disable {
        let mut config = config;
        config.ssl_mode(postgres::config::SslMode::Disable);
        config.connect(postgres::NoTls)
    } else {
        let tls = tls_connector(mode, target.sslrootcert.as_deref(), target)?;
        let mut config = config;
        config.ssl_mode(if mode == SslMode::Prefer {
            postgres::config::SslMode::Prefer
        } else {
            postgres::config::SslMode::Require
        });
        config.connect(tls)
    };
    let mut client = result.map_err(|e| classify(&e, target, timeout))?;
    let version = version::server_version(&mut client, |e| classify(e, target, timeout))?;
    if version < MIN_SERVER_VERSION {
        return Err(DbError::ServerTooOld {
            version: version::release(version),
        });
    }
    Ok(client)
}

fn tls_connector(
    mode: SslMode,
    rootcert: Option<&str>,
    target: &Target,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect, DbError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |reason: String| DbError::Tls {
        endpoint: target.endpoint(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    let mut pinned = Vec::new();
    let custom_roots = rootcert.is_some_and(|r| r != "system");
    match rootcert {
        Some(path) if path != "system" => {
            let pem = std::fs::read(path)
                .map_err(|e| tls_error(format!("cannot read sslrootcert {path}: {e}")))?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert =
                    cert.map_err(|e| tls_error(format!("sslrootcert {path} is not PEM: {e}")))?;
                pinned.push(cert.clone());
                roots
                    .add(cert)
                    .map_err(|e| tls_error(format!("sslrootcert {path}: {e}")))?;
            }
            if roots.is_empty() {
                return Err(tls_error(format!(
                    "sslrootcert {path} holds no certificate"
                )));
            }
        }
        _ => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // libpq: `require` with a root certificate file behaves like `verify-ca`.
    let check = match mode {
        SslMode::Require if custom_roots => Check::Chain,
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Check::Nothing,
        SslMode::VerifyCa => Check::Chain,
        SslMode::VerifyFull => Check::ChainAndName,
    };
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .map_err(|e| tls_error(e.to_string()))?;
    let verifier = Arc::new(Verifier {
        check,
        pinned,
        webpki,
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `prefer` / `require`: encrypted, certificate not checked (as libpq does).
    Nothing,
    /// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
    Chain,
    /// `verify-full`: chain and host name.
    ChainAndName,
}

#[derive(Debug)]
struct Verifier {
    check: Check,
    /// The certificates of `sslrootcert`: one of them presented by the server is accepted as
    /// it is (see [`super::pinned`]).
    pinned: Vec<CertificateDer<'static>>,
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.check == Check::Nothing {
            return Ok(ServerCertVerified::assertion());
        }
        let name = (self.check == Check::ChainAndName).then_some(server_name);
        if let Some(verdict) = super::pinned::verify(&self.pinned, end_entity, name, now) {
            return verdict.map(|()| ServerCertVerified::assertion());
        }
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::Chain => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The full text of an error and its sources, with the password (if any) masked.
fn error_text(error: &(dyn std::error::Error + 'static), target: &Target) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    redact(&parts.join(": "), target)
}

fn redact(text: &str, target: &Target) -> String {
    match target.password.as_deref() {
        Some(password) if !password.is_empty() => text.replace(password, "********"),
        _ => text.to_string(),
    }
}

/// Turns a connection-time error into the matching [`DbError`].
fn classify(error: &postgres::Error, target: &Target, timeout: Duration) -> DbError {
    let endpoint = target.endpoint();
    let user = target.user.clone().unwrap_or_default();
    if let Some(db) = error.as_db_error() {
        let message = redact(db.message(), target);
        return match db.code().code() {
            "28P01" | "28000" => DbError::Auth {
                user,
                endpoint,
                reason: message,
            },
            "3D000" => DbError::UnknownDatabase {
                database: target.dbname.clone().unwrap_or_default(),
                endpoint,
            },
            "42501" => DbError::Permission { reason: message },
            "57P03" => DbError::Unavailable {
                endpoint,
                reason: message,
            },
            _ => DbError::Server {
                code: db.code().code().to_string(),
                message,
            },
        };
    }
    let text = error_text(error, target);
    let lower = text.to_ascii_lowercase();
    let io_kind = std::iter::successors(
        std::error::Error::source(error),
        |e: &&(dyn std::error::Error + 'static)| e.source(),
    )
    .find_map(|e| e.downcast_ref::<std::io::Error>().map(std::io::Error::kind));
    if io_kind == Some(std::io::ErrorKind::ConnectionRefused)
        || lower.contains("connection refused")
    {
        DbError::Refused { endpoint }
    } else if lower.contains("timeout") || lower.contains("timed out") {
        DbError::Timeout {
            endpoint,
            seconds: timeout.as_secs(),
        }
    } else if lower.contains("password missing") {
        DbError::PasswordRequired { user, endpoint }
    } else if lower.contains("tls") || lower.contains("certificate") || lower.contains("ssl") {
        DbError::Tls {
            endpoint,
            reason: text,
        }
    } else if io_kind == Some(std::io::ErrorKind::NotFound) && target.is_unix_socket() {
        DbError::Refused { endpoint }
    } else if lower.contains("lookup address")
        || lower.contains("name or service")
        || lower.contains("error connecting")
    {
        DbError::Unreachable {
            endpoint,
            reason: text,
        }
    } else {
        DbError::Connection {
            endpoint,
            reason: text,
        }
    }
}

/// Maps an error raised while reading (after connecting) to a [`DbError`]: ordinary server
/// events (the session ended by an administrator or a shutdown, the connection lost, resources
/// exhausted, a name too long, a conflict) are named; only what driftlint's own SQL should never
/// meet is [`DbError::Query`].
pub(crate) fn query_error(error: &postgres::Error, what: &str) -> DbError {
    let what = what.to_string();
    let Some(db) = error.as_db_error() else {
        let mut reason = error.to_string();
        if let Some(source) = std::error::Error::source(error) {
            reason = format!("{reason}: {source}");
        }
        return DbError::ConnectionLost {
            what: format!("reading {what}"),
            reason,
        };
    };
    let message = db.message().to_string();
    let code = db.code().code();
    match code {
        "42501" => DbError::Permission { reason: message },
        "57014" => DbError::QueryTimeout { what },
        "55P03" => DbError::LockTimeout { what },
        "42622" => DbError::NameTooLong { what, message },
        "40001" | "40P01" => DbError::Conflict { what, message },
        _ if code.starts_with("57") || code.starts_with("08") => DbError::SessionEnded {
            what: format!("reading {what}"),
            code: code.to_string(),
            message,
        },
        _ if code.starts_with("53") || code.starts_with("54") => DbError::Resources {
            what,
            code: code.to_string(),
            message,
        },
        _ => DbError::Query {
            what,
            code: code.to_string(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn plain_url() {
        let t = parse("postgres://alice:s3cret@db.example.com:6543/app?sslmode=require");
        assert_eq!(t.hosts, ["db.example.com"]);
        assert_eq!(t.ports, [6543]);
        assert_eq!(t.user.as_deref(), Some("alice"));
        assert_eq!(t.password.as_deref(), Some("s3cret"));
        assert_eq!(t.dbname.as_deref(), Some("app"));
        assert_eq!(t.sslmode, Some(SslMode::Require));
    }

    #[test]
    fn sqlalchemy_driver_is_stripped() {
        for scheme in [
            "postgresql+asyncpg",
            "postgresql+psycopg2",
            "postgresql+psycopg",
            "postgresql+pg8000",
            "POSTGRESQL",
        ] {
            let t = parse(&format!("{scheme}://u:p@h/d"));
            assert_eq!(t.hosts, ["h"], "{scheme}");
            assert_eq!(t.dbname.as_deref(), Some("d"));
        }
        let t = parse("postgresql+asyncpg://u@h/d?ssl=require&prepared_statement_cache_size=0");
        assert_eq!(t.sslmode, Some(SslMode::Require));
    }

    #[test]
    fn encoded_parts_and_socket_hosts() {
        let t = parse("postgresql://us%40er:p%2Fw%3A@%2Ftmp%2Fsock:5433/my%20db");
        assert_eq!(t.user.as_deref(), Some("us@er"));
        assert_eq!(t.password.as_deref(), Some("p/w:"));
        assert_eq!(t.hosts, ["/tmp/sock"]);
        assert_eq!(t.dbname.as_deref(), Some("my db"));
        assert!(t.is_unix_socket());
        let t = parse("postgresql:///app?host=/var/run/postgresql&port=5433");
        assert_eq!(t.hosts, ["/var/run/postgresql"]);
        assert_eq!(t.ports, [5433]);
        let t = parse("postgres://[::1]:5000,other:5001/x");
        assert_eq!(t.hosts, ["::1", "other"]);
        assert_eq!(t.ports, [5000, 5001]);
    }

    #[test]
    fn key_value_strings() {
        let t = parse(
            "host=localhost port=5433 user=bob password='it\\'s a secret' dbname = shop sslmode=verify-full",
        );
        assert_eq!(t.hosts, ["localhost"]);
        assert_eq!(t.ports, [5433]);
        assert_eq!(t.password.as_deref(), Some("it's a secret"));
        assert_eq!(t.dbname.as_deref(), Some("shop"));
        assert_eq!(t.sslmode, Some(SslMode::VerifyFull));
    }

    #[test]
    fn bad_inputs_are_errors_without_the_password() {
        for bad in [
            "mysql://u:hunter2@h/d",
            "postgres://u:hunter2@h:notaport/d",
            "postgres://u:hunter2@h/d?sslmode=sometimes",
            "postgres://u:hunter2@h/d?bogus=1",
            "host=h password='hunter2",
        ] {
            let error = Target::parse(bad).unwrap_err();
            let debug = format!("{error} {error:?}");
            let shown = format!("{debug} {:?}", miette::Report::new(error));
            assert!(!shown.contains("hunter2"), "{bad}: {shown}");
        }
    }

    #[test]
    fn debug_of_a_target_hides_the_password() {
        let t = parse("postgres://u:hunter2@h/d");
        assert!(!format!("{t:?}").contains("hunter2"));
    }

    /// Errors raised by the server with each SQLSTATE, mapped by [`query_error`]: ordinary
    /// server events are named; only the unexpected is called a bug.
    #[test]
    fn ordinary_server_events_are_named_not_called_bugs() {
        let cluster = crate::scratch::Cluster::start().expect("scratch cluster");
        let url = cluster.create_database("server_events").unwrap();
        let mut client = connect(&url, &ConnectOptions::default()).unwrap();
        let mut raise = |code: &str| {
            let sql =
                format!("DO $$ BEGIN RAISE SQLSTATE '{code}' USING MESSAGE = 'raised'; END $$");
            let error = client.batch_execute(&sql).unwrap_err();
            query_error(&error, "the catalog")
        };
        assert!(matches!(raise("57P01"), DbError::SessionEnded { .. }));
        assert!(matches!(raise("08006"), DbError::SessionEnded { .. }));
        assert!(matches!(raise("42622"), DbError::NameTooLong { .. }));
        assert!(matches!(raise("53200"), DbError::Resources { .. }));
        assert!(matches!(raise("54000"), DbError::Resources { .. }));
        assert!(matches!(raise("40P01"), DbError::Conflict { .. }));
        assert!(matches!(raise("57014"), DbError::QueryTimeout { .. }));
        assert!(matches!(raise("XX000"), DbError::Query { .. }));
        let ended = raise("57P01").to_string();
        assert_eq!(
            ended,
            "the server ended the session while reading the catalog: raised"
        );
    }
}
