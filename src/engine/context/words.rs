//! The closed word lists of the context rules, as data files.
//!
//! Each list is a text file in `config/words/`, compiled into the binary
//! (`include_str!`); with `--config DIR`, a file of the same name in
//! `DIR/words/` replaces that list alone, and the others stay built in. One
//! entry per line; blank lines and lines starting with `#` are skipped. A
//! bad line (a control character, an entry given twice) is an error naming
//! the file and the line. Each file's header says whether its entries match
//! exactly or in any ASCII case.
//!
//! The given-name and surname gazetteers (`first_names.txt`,
//! `surnames.txt`) are data files too but stay built in: the learned model's
//! features read them through [`super::is_given_name`], outside any rule set.

use crate::engine::config::{ConfigError, Source};
pub use crate::engine::data::Words;

macro_rules! word_lists {
    ($($(#[$doc:meta])* $field:ident => $file:literal,)*) => {
        /// Every closed word list of the context rules.
        #[derive(Debug, Clone)]
        pub struct WordLists {
            $($(#[$doc])* pub $field: Words,)*
        }

        /// The word-list files, by their path in a config folder.
        pub const FILES: &[&str] = &[$(concat!("words/", $file, ".txt"),)*];

        impl WordLists {
            /// Reads every list: from the config folder when it has the
            /// file, else the built-in one.
            pub fn load(source: &Source<'_>) -> Result<WordLists, ConfigError> {
                if !source.overrides_any(FILES) {
                    return WordLists::builtin();
                }
                WordLists::read(source)
            }

            fn read(source: &Source<'_>) -> Result<WordLists, ConfigError> {
                Ok(WordLists {
                    $($field: {
                        let name = concat!("words/", $file, ".txt");
                        let builtin = include_str!(concat!("../../../config/words/", $file, ".txt"));
                        let (text, file) = source.data_file(name, builtin)?;
                        Words::parse(&text, &file)?
                    },)*
                })
            }
        }
    };
}

word_lists! {
    /// Capitalised words that start no person's name in a draft.
    not_first => "not-first-words",
    /// Words that, inside or right after a capitalised pair, make it a place or a facility.
    facility => "facility-words",
    /// Words that end no person's name when they follow a capitalised word.
    not_surname => "not-surname-words",
    /// Nouns after "patient" that make it a modifier, not a person.
    patient_modifiers => "patient-modifiers",
    /// Post-nominal credentials: a name followed by one is staff.
    credentials => "credentials",
    /// `Mr`, `Mrs`...: a patient's name may follow.
    honorifics => "honorifics",
    /// `Dr`, `Prof`...: a provider's name may follow.
    providers => "providers",
    /// Lower-case particles of surnames ("de la Cruz").
    particles => "surname-particles",
    /// Words before a capitalised word that make it a place, not a person.
    place_before => "place-before",
    /// Words after which a name-shaped run is probably a person in a case.
    weak_before => "weak-before",
    /// Words before `, Name,` that describe the patient.
    descriptors => "descriptors",
    /// Words of staff news or event hosting that address the name after them.
    news_before => "news-before",
    /// Staff-news words that tie a name right before them to a colleague.
    staff_news => "staff-news",
    /// Determiners after `, ` that open a described staff role.
    determiners => "determiners",
    /// Words allowed between a name and the staff word tied to it.
    gap_words => "gap-words",
    /// Words after a name that make it an eponym.
    eponym_after => "eponym-after",
    /// Records after a possessive (`Jessica's chart`).
    records => "records",
    /// Capitalised words that introduce a newborn's name.
    baby_words => "baby-words",
    /// Capitalised words after `Baby` that make a thing, not a name.
    baby_things => "baby-things",
    /// Capitalised words of programme, event and service titles that no name holds.
    title_words => "title-words",
    /// Capitalised words that start no place after `from`, `in`... (phi.place).
    not_place => "not-place-words",
    /// Words that end a county's or other subdivision's name (phi.place).
    place_suffixes => "place-suffixes",
    /// Words that may end a town's name without making it a facility (phi.place).
    place_words => "place-words",
    /// US states as postal codes and names, after `City, ` (phi.place).
    us_states => "us-states",
}

impl WordLists {
    /// The built-in lists, read once per process.
    pub fn builtin() -> Result<WordLists, ConfigError> {
        static BUILTIN: std::sync::OnceLock<Result<WordLists, ConfigError>> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| WordLists::read(&Source::builtin())).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{review, Draft, RuleSet};

    #[test]
    fn a_list_skips_comments_and_blank_lines_and_trims() {
        let w = Words::parse("# a comment\n\n  Mr  \nMrs\n   # indented comment\nde la\n", "w.txt").unwrap();
        assert_eq!(w.len(), 3);
        assert!(w.contains("Mr") && w.contains("de la") && !w.contains("mr"));
        assert!(w.contains_any_case("MRS") && !w.contains_any_case("Ms"));
    }

    #[test]
    fn a_bad_line_names_the_file_and_the_line() {
        let e = Words::parse("# list\nMr\nMrs\nMr\n", "cfg/words/honorifics.txt").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("cfg/words/honorifics.txt", Some(4)), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
        assert!(e.to_string().starts_with("cfg/words/honorifics.txt:4: "), "{e}");
        let e = Words::parse("Mr\nMr\tMrs\n", "h.txt").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("control character"), "{e}");
    }

    #[test]
    fn the_built_in_lists_load_and_every_file_is_listed() {
        let w = WordLists::builtin().unwrap();
        assert!(w.honorifics.contains("Mr") && w.credentials.contains("RN") && w.facility.contains("Hospital"));
        assert!(w.gap_words.contains_any_case("OUR") && !w.gap_words.contains("OUR"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        for f in FILES {
            assert!(dir.join(f).is_file(), "{f} is in config/");
        }
        // and every list in config/words/ is read (none forgotten in the macro)
        let on_disk = std::fs::read_dir(dir.join("words"))
            .unwrap()
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "txt")));
        assert_eq!(on_disk.count(), FILES.len());
    }

    fn names(rules: &RuleSet, text: &str) -> usize {
        review(&Draft::new(text), rules).findings.iter().filter(|f| f.rule == "phi.name").count()
    }

    #[test]
    fn a_config_folder_overrides_only_the_lists_it_has() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rules.toml"), crate::engine::config::DEFAULT_RULES_TOML).unwrap();
        let honorific = "Mr. Jenkins is doing well after his surgery.";
        let facility = "65yo pt with CHF seen at Henry Ford Hospital today.";
        let builtin = RuleSet::without_model(Some(dir.path())).unwrap();
        assert_eq!(names(&builtin, honorific), 1);
        assert_eq!(names(&builtin, facility), 0, "Hospital ends a name");

        std::fs::create_dir(dir.path().join("words")).unwrap();
        std::fs::write(dir.path().join("words/honorifics.txt"), "# ours\nMrs\nMs\n").unwrap();
        let rules = RuleSet::without_model(Some(dir.path())).unwrap();
        assert_eq!(rules.words.honorifics.len(), 2);
        assert_eq!(names(&rules, honorific), 0, "`Mr` is no honorific in this folder");
        // the other lists stay built in
        assert_eq!(rules.words.facility.len(), builtin.words.facility.len());
        assert_eq!(names(&rules, facility), 0);

        // a bad line in the folder's file names it and its line
        std::fs::write(dir.path().join("words/honorifics.txt"), "Mrs\nMs\nMrs\n").unwrap();
        let e = RuleSet::without_model(Some(dir.path())).unwrap_err();
        assert!(e.file.ends_with("honorifics.txt") && e.line == Some(3), "{e}");

        // a file no rule reads is an error, not silently ignored
        std::fs::remove_file(dir.path().join("words/honorifics.txt")).unwrap();
        std::fs::write(dir.path().join("words/honorific.txt"), "Mr\n").unwrap();
        let e = RuleSet::without_model(Some(dir.path())).unwrap_err();
        assert!(e.file.ends_with("honorific.txt") && e.message.contains("words/honorifics.txt"), "{e}");
    }
}
