//! Indonesian identity numbers: NIP (civil servants), NIK (residents) and phone numbers, validated
//! and normalised. Error messages never repeat the number itself (it may be personal data).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A civil servant's NIP: 18 digits = birth date YYYYMMDD, start YYYYMM, sex 1/2, serial 3.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nip(String);

impl Nip {
    /// Validates a NIP (spaces and dots are ignored).
    pub fn parse(raw: &str) -> Result<Self> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
        if digits.len() != 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("NIP", "a NIP has exactly 18 digits"));
        }
        let num = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
        let birth = NaiveDate::from_ymd_opt(num(0..4) as i32, num(4..6), num(6..8))
            .filter(|d| d.year() >= 1930 && d.year() <= 2015)
            .ok_or_else(|| Error::invalid("NIP", "digits 1–8 must be a valid birth date YYYYMMDD"))?;
        let (start_year, start_month) = (num(8..12) as i32, num(12..14));
        if !(1..=12).contains(&start_month) || start_year < birth.year() + 15 || start_year > 2100 {
            return Err(Error::invalid(
                "NIP",
                "digits 9–14 must be the start of service YYYYMM, at least 15 years after birth",
            ));
        }
        if !matches!(&digits[14..15], "1" | "2") {
            return Err(Error::invalid("NIP", "digit 15 (sex) must be 1 or 2"));
        }
        Ok(Nip(digits))
    }
    /// The 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The NIP grouped as printed on Indonesian documents: `19850312 201001 1 003`.
    pub fn formatted(&self) -> String {
        format!("{} {} {} {}", &self.0[0..8], &self.0[8..14], &self.0[14..15], &self.0[15..18])
    }
}

impl TryFrom<String> for Nip {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Nip::parse(&s)
    }
}
impl From<Nip> for String {
    fn from(n: Nip) -> String {
        n.0
    }
}
impl std::fmt::Display for Nip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A resident's NIK: 16 digits = region 6, birth DDMMYY (day + 40 for women), serial 4.
/// Personal data: its `Debug` hides the digits, and output uses [`Nik::masked`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

impl Nik {
    /// Validates a NIK (spaces and dots are ignored).
    pub fn parse(raw: &str) -> Result<Self> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("NIK", "a NIK has exactly 16 digits"));
        }
        let num = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
        if !(11..=96).contains(&num(0..2)) {
            return Err(Error::invalid("NIK", "digits 1–2 must be a province code (11–96)"));
        }
        let (day, month) = (num(6..8), num(8..10));
        let day = if day > 40 { day - 40 } else { day };
        if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
            return Err(Error::invalid(
                "NIK",
                "digits 7–12 must be a birth date DDMMYY (day + 40 for women)",
            ));
        }
        if num(12..16) == 0 {
            return Err(Error::invalid("NIK", "the last 4 digits (serial) cannot be 0000"));
        }
        Ok(Nik(digits))
    }
    /// The 16 digits (personal data: only for encryption and keyed hashing).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The form shown on screens and printouts: `6407********0001`.
    pub fn masked(&self) -> String {
        mask_nik(&self.0)
    }
}

/// Masks a NIK-like string, keeping the first and last four characters.
pub fn mask_nik(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

impl std::fmt::Debug for Nik {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// An Indonesian phone number normalised to E.164 (`+628…`). Personal data.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `08…`, `628…`, `+628…` and landlines `0xx…`, ignoring spaces, dashes, dots and
    /// parentheses.
    pub fn parse(raw: &str) -> Result<Self> {
        let cleaned: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let national = if let Some(rest) = cleaned.strip_prefix("+62") {
            rest.to_string()
        } else if let Some(rest) = cleaned.strip_prefix("62") {
            rest.to_string()
        } else if let Some(rest) = cleaned.strip_prefix('0') {
            rest.to_string()
        } else {
            return Err(Error::invalid(
                "phone",
                "an Indonesian number starts with 08…, +628… or an area code 0xx…",
            ));
        };
        if !national.bytes().all(|b| b.is_ascii_digit()) || national.starts_with('0') {
            return Err(Error::invalid("phone", "a phone number may contain only digits after the prefix"));
        }
        if !(8..=12).contains(&national.len()) {
            return Err(Error::invalid("phone", "the number has too few or too many digits"));
        }
        Ok(Phone(format!("+62{national}")))
    }
    /// The E.164 form (personal data).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The national form as people write it: `0812-3456-7890`.
    pub fn national(&self) -> String {
        format!("0{}", &self.0[3..])
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Phone(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nip_rules() {
        let nip = Nip::parse("19850312 201001 1 003").expect("valid");
        assert_eq!(nip.as_str(), "198503122010011003");
        assert_eq!(nip.formatted(), "19850312 201001 1 003");
        assert!(Nip::parse("19850312201001100").is_err(), "17 digits");
        assert!(Nip::parse("19851312201001 1 003").is_err(), "month 13");
        assert!(Nip::parse("198502302010011003").is_err(), "30 February");
        assert!(Nip::parse("198503121995011003").is_err(), "started at 9");
        assert!(Nip::parse("198503122010013003").is_err(), "sex digit 3");
        assert!(Nip::parse("19850312201001100a").is_err());
    }

    #[test]
    fn nik_rules_and_mask() {
        let nik = Nik::parse("6407 0152 0390 0001").expect("valid, born 12 March 1990 (woman)");
        assert_eq!(nik.masked(), "6407********0001");
        assert!(!format!("{nik:?}").contains("015203"));
        assert!(Nik::parse("640701520390000").is_err(), "15 digits");
        assert!(Nik::parse("0007015203900001").is_err(), "province 00");
        assert!(Nik::parse("6407013213900001").is_err(), "month 13");
        assert!(Nik::parse("6407017203900001").is_err(), "day 72-40=32");
        assert!(Nik::parse("6407011203900000").is_err(), "serial 0000");
        let err = Nik::parse("6407011213900001").expect_err("month 13").to_string();
        assert!(!err.contains("6407"), "errors never echo the number: {err}");
    }

    #[test]
    fn phone_normalisation() {
        for raw in ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456.7890"] {
            assert_eq!(Phone::parse(raw).expect(raw).expose(), "+6281234567890");
        }
        assert_eq!(Phone::parse("0545 41234").expect("landline").national(), "054541234");
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("0812").is_err());
        assert!(Phone::parse("08123456789012345").is_err());
        assert!(Phone::parse("0812abc4567").is_err());
        assert_eq!(format!("{:?}", Phone::parse("081234567890").expect("ok")), "Phone(***)");
    }
}
