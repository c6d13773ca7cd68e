//! A server certificate that is itself the root named by `sslrootcert`: the self-signed
//! certificate of many self-hosted servers, given as its own root. webpki refuses a CA
//! certificate as the end entity (`CaUsedAsEndEntity`) where libpq (OpenSSL) accepts a
//! certificate that is exactly a trusted one. [`verify`] accepts it too, and only it: the
//! certificate must be byte for byte one of the pinned roots, within its validity period, and
//! under `verify-full` valid for the host name; the handshake's signature still proves that the
//! server holds its key. Any other certificate goes through the usual chain verification.

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::CertificateError;

/// Verifies `end_entity` when it is one of `pinned`; `None` when it is not (the chain is then
/// verified as usual).
pub(super) fn verify(
    pinned: &[CertificateDer<'static>],
    end_entity: &CertificateDer<'_>,
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
) -> Option<Result<(), rustls::Error>> {
    if !pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) {
        return None;
    }
    let Some((not_before, not_after)) = validity(end_entity.as_ref()) else {
        return Some(Err(CertificateError::BadEncoding.into()));
    };
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if now < not_before {
        return Some(Err(CertificateError::NotValidYet.into()));
    }
    if now > not_after {
        return Some(Err(CertificateError::Expired.into()));
    }
    Some(match server_name {
        Some(name) => rustls::server::ParsedCertificate::try_from(end_entity)
            .and_then(|cert| rustls::client::verify_server_name(&cert, name)),
        None => Ok(()),
    })
}

/// `notBefore` and `notAfter` of a DER certificate, in seconds since the Unix epoch.
fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let (_, certificate, _) = tlv(der)?;
    let (_, mut tbs, _) = tlv(certificate)?;
    // [0] version, when present; then serial number, signature algorithm, issuer.
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs)?.2;
    }
    for _ in 0..3 {
        tbs = tlv(tbs)?.2;
    }
    let (_, validity, _) = tlv(tbs)?;
    let (tag, not_before, rest) = tlv(validity)?;
    let not_before = time(tag, not_before)?;
    let (tag, not_after, _) = tlv(rest)?;
    Some((not_before, time(tag, not_after)?))
}

/// One DER element: its tag, its contents and what follows it.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |l, &b| (l << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// A UTCTime (tag 0x17, `YYMMDDHHMMSSZ`) or GeneralizedTime (0x18, `YYYYMMDDHHMMSSZ`).
fn time(tag: u8, text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if text.len() == 12 => {
            let yy: i64 = text[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |at: usize| rest.get(at..at + 2)?.parse::<i64>().ok();
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_times_become_unix_seconds() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(time(0x17, b"000301000000Z"), Some(951_868_800));
        assert_eq!(time(0x18, b"20381231235959Z"), Some(2_177_452_799));
        assert_eq!(time(0x17, b"9912312359Z"), None);
        assert_eq!(time(0x18, b"20241341000000Z"), None);
    }

    #[test]
    fn a_certificate_that_is_not_pinned_is_left_to_the_chain() {
        let pinned = [CertificateDer::from(vec![0x30, 0x00])];
        let other = CertificateDer::from(vec![0x30, 0x01, 0x00]);
        assert!(verify(&pinned, &other, None, UnixTime::now()).is_none());
        // Pinned but unreadable: refused, never accepted blindly.
        let same = CertificateDer::from(vec![0x30, 0x00]);
        assert!(matches!(
            verify(&pinned, &same, None, UnixTime::now()),
            Some(Err(_))
        ));
    }
}
