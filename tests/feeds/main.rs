//! Feeds, end to end: the fixture corpus, normalization rules through whole feeds, the CSV/JSON
//! round-trip property, and `skillsync validate` as a WFM administrator runs it.

mod cli;
mod corpus;
mod cxone;
mod helpers;
mod roundtrip;
mod rules;
