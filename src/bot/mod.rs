//! (being written) The Discord adapter.
