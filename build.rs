//! Fingerprints `migrations/` so the tests' template database is remade when the schema changes.

use std::{collections::hash_map::DefaultHasher, fs, hash::Hasher, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut files = Vec::new();
    collect(Path::new("migrations"), &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for path in files {
        hasher.write(path.to_string_lossy().as_bytes());
        hasher.write(&fs::read(&path).unwrap_or_default());
    }
    println!(
        "cargo:rustc-env=PERFUSION_MIGRATIONS_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
