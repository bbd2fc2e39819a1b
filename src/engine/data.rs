//! Data files of the configuration: word lists and pattern lists, one entry
//! a line.
//!
//! Built-in copies live in `config/` and are compiled into the binary
//! (`include_str!`); with `--config DIR`, a file of the same path under `DIR`
//! replaces that one file ([`super::config::Source::data_file`]). Blank lines
//! and lines starting with `#` are skipped; a bad line is an error naming the
//! file and the line.

use super::config::ConfigError;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: the word sets hold short keys from configuration files, so a
/// simple fast hash beats SipHash here.
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The entries of a data file with their line numbers: trimmed, blank lines
/// and `#` comments skipped, control characters refused.
pub fn entries<'t>(text: &'t str, file: &str) -> Result<Vec<(usize, &'t str)>, ConfigError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        if entry.chars().any(char::is_control) {
            return Err(error(
                file,
                n + 1,
                format!("entry {entry:?} has a control character (a tab?); one entry per line"),
            ));
        }
        out.push((n + 1, entry));
    }
    Ok(out)
}

/// An error on one line of a data file.
pub fn error(file: &str, line: usize, message: String) -> ConfigError {
    ConfigError { file: file.to_string(), key: None, line: Some(line), message }
}

/// One word list, ready for exact (hash set) or any-case (linear) lookups.
#[derive(Debug, Clone, Default)]
pub struct Words {
    set: HashSet<Box<str>, BuildHasherDefault<Fnv>>,
    /// The entries ASCII-lower-cased, for [`Words::contains_any_case`].
    folded: HashSet<Box<str>, BuildHasherDefault<Fnv>>,
    list: Vec<Box<str>>,
    /// The [`Shapes`] of `set` and of `folded`: most words asked about are
    /// on no list, and most of those are turned away by their shape
    /// without hashing.
    shapes: Shapes,
    folded_shapes: Shapes,
}

/// Which shapes (length, first and last byte, see [`Shapes::bit`]) the
/// entries of a set have, as a 512-bit set: a word whose shape no entry has
/// is not in the set. A word list holds at most a few hundred entries, so
/// most bits stay clear.
#[derive(Debug, Clone, Copy, Default)]
struct Shapes([u64; 8]);

impl Shapes {
    /// The shape of a word: its length, first and last byte, mixed into 9
    /// bits (the empty word has shape 0).
    fn bit(w: &[u8], fold: fn(u8) -> u8) -> usize {
        match w {
            [] => 0,
            [first, .., last] | [first @ last] => {
                (usize::from(fold(*first)) * 0x1F + usize::from(fold(*last)) * 0x3D + w.len() * 0x71) & 511
            }
        }
    }

    fn add(&mut self, w: &[u8]) {
        let bit = Shapes::bit(w, |c| c);
        self.0[bit >> 6] |= 1 << (bit & 63);
    }

    /// Whether some entry may be `w` once `fold` is applied to each of its
    /// bytes; `false` only when none is.
    fn may_hold(&self, w: &[u8], fold: fn(u8) -> u8) -> bool {
        let bit = Shapes::bit(w, fold);
        self.0[bit >> 6] & (1 << (bit & 63)) != 0
    }
}

impl Words {
    /// Parses a word-list file; `file` names it in errors. An entry given
    /// twice is an error.
    pub fn parse(text: &str, file: &str) -> Result<Words, ConfigError> {
        let mut words = Words::default();
        let mut first_line = HashMap::new();
        for (n, entry) in entries(text, file)? {
            if let Some(first) = first_line.insert(entry, n) {
                return Err(error(file, n, format!("entry {entry:?} is already on line {first}")));
            }
            let folded = entry.to_ascii_lowercase();
            words.shapes.add(entry.as_bytes());
            words.folded_shapes.add(folded.as_bytes());
            words.set.insert(entry.into());
            words.folded.insert(folded.into());
            words.list.push(entry.into());
        }
        Ok(words)
    }

    /// Whether `w` is on the list, exactly.
    pub fn contains(&self, w: &str) -> bool {
        self.shapes.may_hold(w.as_bytes(), |c| c) && self.set.contains(w)
    }

    /// Whether `w` is on the list in any ASCII case.
    pub fn contains_any_case(&self, w: &str) -> bool {
        // no entry lower-cased has the shape of `w` lower-cased: no entry is
        // `w` in any case
        if !self.folded_shapes.may_hold(w.as_bytes(), |c| c.to_ascii_lowercase()) {
            return false;
        }
        // `x.eq_ignore_ascii_case(w)` for some entry x is `w` lower-cased
        // among the lower-cased entries; short words are lower-cased on the
        // stack
        let mut buf = [0u8; 32];
        match buf.get_mut(..w.len()) {
            Some(lower) => {
                lower.copy_from_slice(w.as_bytes());
                lower.make_ascii_lowercase();
                match std::str::from_utf8(lower) {
                    Ok(lower) => self.folded.contains(lower),
                    Err(_) => self.list.iter().any(|x| x.eq_ignore_ascii_case(w)),
                }
            }
            None => self.list.iter().any(|x| x.eq_ignore_ascii_case(w)),
        }
    }

    /// The entries, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|w| &**w)
    }

    /// How many entries the list has.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// The shape test turns away no entry: the look-ups answer as the
        /// set and the list alone did, in any case.
        #[test]
        fn shapes_keep_every_entry(
            entries in proptest::collection::hash_set("[A-Za-z][A-Za-z.' -]{0,9}|\\PC{1,4}", 0..300),
            asked in proptest::collection::vec("[A-Za-z][A-Za-z.' -]{0,9}|\\PC{0,4}", 0..50),
        ) {
            let entries: Vec<String> = entries.into_iter().map(|e| e.trim().to_string()).collect();
            let mut file = String::new();
            let mut seen = HashSet::new();
            for e in &entries {
                if !e.is_empty() && !e.starts_with('#') && !e.chars().any(char::is_control) && seen.insert(e.clone()) {
                    file.push_str(e);
                    file.push('\n');
                }
            }
            let words = Words::parse(&file, "w.txt").unwrap();
            let variants = |w: &str| [w.to_string(), w.to_ascii_lowercase(), w.to_ascii_uppercase(), format!("{w}s")];
            for w in entries.iter().chain(asked.iter()).flat_map(|w| variants(w)) {
                proptest::prop_assert_eq!(words.contains(&w), words.set.contains(w.as_str()), "{:?}", w);
                let any_case = words.list.iter().any(|x| x.eq_ignore_ascii_case(&w));
                proptest::prop_assert_eq!(words.contains_any_case(&w), any_case, "{:?}", w);
            }
        }
    }
}
