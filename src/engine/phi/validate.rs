//! Pure checksum and format validators for the identifier detectors: Luhn,
//! NPI, DEA, MBI, VIN, SSN, IP and MAC. No regexes and no text scanning live
//! here; each function takes the candidate string a detector found and says
//! whether it is a well-formed identifier of its kind.

use std::net::Ipv6Addr;
use std::str::FromStr;

/// ASCII digits of `s`, in order.
pub fn digits(s: &str) -> Vec<u8> {
    s.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect()
}

/// The Luhn (mod 10) check over a digit sequence.
pub fn luhn(ds: &[u8]) -> bool {
    if ds.is_empty() {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = d as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// A payment card number: 13-19 digits, a known issuer prefix, Luhn-valid.
/// 13-digit numbers starting with 1 are left out (they are millisecond
/// timestamps far more often than cards).
pub fn credit_card(s: &str) -> bool {
    let ds = digits(s);
    let n = ds.len();
    if !(13..=19).contains(&n) || ds.iter().all(|&d| d == ds[0]) {
        return false;
    }
    let ok_prefix = match ds[0] {
        1 => n == 15,                                    // UATP
        2 => (2..=7).contains(&ds[1]),                   // Mastercard 2-series
        3 => matches!(ds[1], 0 | 4 | 5 | 6 | 7 | 8 | 9), // Diners, JCB, Amex
        4..=6 => true,                                   // Visa, Mastercard, Maestro, Discover, UnionPay
        _ => false,
    };
    ok_prefix && luhn(&ds)
}

/// A National Provider Identifier: 10 digits starting with 1 or 2 whose Luhn
/// check holds with the `80840` prefix.
pub fn npi(s: &str) -> bool {
    let ds = digits(s);
    if ds.len() != 10 || !(ds[0] == 1 || ds[0] == 2) || ds[1..9].iter().all(|&d| d == ds[1]) {
        return false;
    }
    let mut full = vec![8, 0, 8, 4, 0];
    full.extend_from_slice(&ds);
    luhn(&full)
}

/// A DEA registration number: a registrant-type letter, a letter (or `9`),
/// seven digits whose last is the check digit.
pub fn dea(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 {
        return false;
    }
    let first = b[0].to_ascii_uppercase();
    if !b"ABCDEFGHJKLMPRSTUX".contains(&first) {
        return false;
    }
    if !(b[1].is_ascii_alphabetic() || b[1] == b'9') {
        return false;
    }
    if !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = b[2..].iter().map(|&x| (x - b'0') as u32).collect();
    let sum = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5]);
    sum % 10 == d[6]
}

/// A Medicare Beneficiary Identifier: 11 characters (dashes after the 4th and
/// 7th allowed, both or neither), positional rules, no S, L, O, I, B, Z.
pub fn mbi(s: &str) -> bool {
    let b = s.as_bytes();
    let chars: Vec<u8> = match b.len() {
        11 => b.to_vec(),
        13 if b[4] == b'-' && b[8] == b'-' => b.iter().copied().filter(|&c| c != b'-').collect(),
        _ => return false,
    };
    if chars.len() != 11 {
        return false;
    }
    let alpha = |c: u8| {
        let c = c.to_ascii_uppercase();
        c.is_ascii_uppercase() && !b"SLOIBZ".contains(&c)
    };
    let digit = |c: u8| c.is_ascii_digit();
    let alnum = |c: u8| alpha(c) || digit(c);
    let c = &chars;
    (b'1'..=b'9').contains(&c[0])
        && alpha(c[1])
        && alnum(c[2])
        && digit(c[3])
        && alpha(c[4])
        && alnum(c[5])
        && digit(c[6])
        && alpha(c[7])
        && alpha(c[8])
        && digit(c[9])
        && digit(c[10])
}

/// A 17-character vehicle identification number with a valid check digit
/// (position 9), as North American VINs carry.
pub fn vin(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 17 {
        return false;
    }
    let value = |c: u8| -> Option<u32> {
        let c = c.to_ascii_uppercase();
        Some(match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => return None, // I, O, Q and anything else are not used
        })
    };
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        let Some(v) = value(c) else { return false };
        sum += v * WEIGHTS[i];
    }
    let check = sum % 11;
    let want = if check == 10 { b'X' } else { b'0' + check as u8 };
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let nums = b.iter().filter(|c| c.is_ascii_digit()).count();
    b[8].to_ascii_uppercase() == want && letters >= 2 && nums >= 4
}

/// A Social Security number's digits: nine, with no 000/666/9xx area, no 00
/// group and no 0000 serial.
pub fn ssn(s: &str) -> bool {
    let ds = digits(s);
    if ds.len() != 9 {
        return false;
    }
    let area = ds[0] as u32 * 100 + ds[1] as u32 * 10 + ds[2] as u32;
    let group = ds[3] as u32 * 10 + ds[4] as u32;
    let serial: u32 = ds[5..].iter().fold(0, |a, &d| a * 10 + d as u32);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// A dotted-quad IPv4 address (each octet 0-255, no leading zeros).
pub fn ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// An IPv6 address (compressed, full, or with an embedded IPv4 tail).
pub fn ipv6(s: &str) -> bool {
    s.contains(':') && Ipv6Addr::from_str(s).is_ok()
}

/// A MAC address in colon, dash or Cisco dotted form; all-zero and
/// broadcast addresses are not a device's.
pub fn mac(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hex.len() != 12 {
        return false;
    }
    let lower = hex.to_ascii_lowercase();
    lower != "000000000000" && lower != "ffffffffffff"
}

/// An IMEI: 15 digits, Luhn-valid.
pub fn imei(s: &str) -> bool {
    let ds = digits(s);
    ds.len() == 15 && luhn(&ds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_known_values() {
        assert!(luhn(&digits("79927398713")));
        assert!(!luhn(&digits("79927398710")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn cards() {
        for ok in
            ["4111111111111111", "4012-8888-8888-1881", "371449635398431", "5555 5555 5555 4444", "122000000000003"]
        {
            assert!(credit_card(ok), "{ok}");
        }
        for bad in ["4012-8888-8888-1882", "36168002586008", "1748503543012", "0000000000000000", "9111111111111111"] {
            assert!(!credit_card(bad), "{bad}");
        }
    }

    #[test]
    fn npis() {
        assert!(npi("1234567893"));
        assert!(npi("1245319599"));
        assert!(npi("1234-567-893"));
        for bad in ["1234567890", "0234567893", "3234567893", "123456789", "1111111112"] {
            assert!(!npi(bad), "{bad}");
        }
    }

    #[test]
    fn deas() {
        assert!(dea("GL0285191"));
        assert!(dea("K92993548"));
        assert!(dea("bb1388568"));
        assert!(!dea("BG8207031"));
        assert!(!dea("IL0285191"), "I is not a registrant type");
        assert!(!dea("GL028519"));
    }

    #[test]
    fn mbis() {
        for ok in ["1EG4-TE5-MK73", "1EG4TE5MK73", "9XX9-XX9-XX99", "1eg4-te5-mk73"] {
            assert!(mbi(ok), "{ok}");
        }
        for bad in [
            "1SG4-TE5-MK73",
            "1EG4-LE5-MK73",
            "1EG4-TE5-OK73",
            "1EG4-TE5-MI73",
            "1BG4-TE5-MK73",
            "1EG4-ZE5-MK73",
            "AEG4-TE5-MK73",
            "12G4-TE5-MK73",
            "1EG4TE5MK7",
            "1EG4TE5MK734",
            "1EG4-TE5MK73",
        ] {
            assert!(!mbi(bad), "{bad}");
        }
    }

    #[test]
    fn vins() {
        assert!(vin("1M8GDM9AXKP042788"));
        assert!(!vin("11111111111111111"), "needs letters");
        assert!(!vin("1M8GDM9A1KP042788"), "wrong check digit");
        assert!(!vin("1M8GDM9AXKP04278O"), "O is not used");
    }

    #[test]
    fn ssns() {
        assert!(ssn("123-45-6789"));
        assert!(ssn("078 05 1123"));
        for bad in ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "123-45-678"] {
            assert!(!ssn(bad), "{bad}");
        }
    }

    #[test]
    fn ips() {
        assert!(ipv4("192.168.0.1"));
        assert!(ipv4("0.0.0.0"));
        assert!(!ipv4("256.1.1.1"));
        assert!(!ipv4("1.2.3"));
        assert!(!ipv4("01.2.3.4"));
        assert!(ipv6("2001:db8::1"));
        assert!(ipv6("::ffff:192.0.2.1"));
        assert!(!ipv6("2001::db8::1"));
        assert!(!ipv6("12:34:56"));
        assert!(!ipv6("2001:db8::256.1.1.1"));
    }

    #[test]
    fn macs_and_imei() {
        assert!(mac("00:1A:2B:3C:4D:5E"));
        assert!(mac("0012.3456.789A"));
        assert!(!mac("00:00:00:00:00:00"));
        assert!(!mac("FF:FF:FF:FF:FF:FF"));
        assert!(imei("490154203237518"));
        assert!(!imei("490154203237517"));
    }
}
