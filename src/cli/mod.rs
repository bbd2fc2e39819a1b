//! Command-line front ends. Each subcommand returns its exit code; usage and
//! config errors are exit code 2.

pub mod audit;
pub mod check;
pub mod serve;
