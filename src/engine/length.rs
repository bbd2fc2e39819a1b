//! (being written) Twitter weighted length.
pub fn weighted_length(text: &str) -> usize {
    text.chars().count()
}
