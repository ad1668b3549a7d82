//! Certification: the pathway to the CCP credential and its steps, the accredited programs
//! directory, and licensure by state. One file per concern, each with its DTOs, its input
//! parsing and its handlers.

pub mod licensure;
pub mod pathway;
pub mod programs;
