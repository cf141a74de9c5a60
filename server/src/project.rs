//! Projects: a configuration plus the migration locations Flyway would read together.
//!
//! Given a path, the configuration is found in it or the nearest folder above holding a config
//! file (stopping at a `.git` boundary). Configured `locations` are resolved against that folder
//! (`filesystem:` paths; `classpath:` paths under `src/main/resources` or the folder itself;
//! `*`/`**` wildcards). With no `locations` configured, the folders holding migrations below the
//! path are detected: the path itself if it holds migrations, else each folder named `migration`,
//! `migrations`, `sql` or `flyway`, or named after a database vendor (`MYSQL`, `postgresql`, …:
//! one set per vendor, as Flyway's `{vendor}` locations do), else each topmost folder holding
//! migrations, at any depth. Every detected folder is its own project, with its own versions;
//! a detected folder whose subfolders hold the same version (or repeatable description) in two
//! places is split there, because such folders are separate Flyway configurations side by side
//! (`sql/migrations/core_db` and `sql/migrations/list_db`, each from `V1`), never one set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::{find_config_dir, Config, ConfigError, LoadOptions};
use crate::naming::NameParser;

/// One migration location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    /// The `locations` entry it came from (`filesystem:sql`); `None` when detected.
    pub configured_as: Option<String>,
}

/// Why a configured location yields no folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationProblem {
    pub configured_as: String,
    pub path: Option<PathBuf>,
    pub message: String,
}

/// A set of locations Flyway reads as one list of migrations, with its configuration.
#[derive(Debug, Clone)]
pub struct Project {
    pub config: Config,
    pub locations: Vec<Location>,
    pub location_problems: Vec<LocationProblem>,
    /// True when no `locations` setting applied and the folders were found by looking.
    pub detected: bool,
}

const WELL_KNOWN_NAMES: &[&str] = &["migration", "migrations", "sql", "flyway"];
const VENDOR_NAMES: &[&str] = &[
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "pg",
    "h2",
    "hsqldb",
    "oracle",
    "sqlserver",
    "mssql",
    "db2",
    "sqlite",
    "derby",
    "redshift",
    "snowflake",
    "cockroachdb",
    "sybase",
    "informix",
    "firebird",
    "saphana",
    "hana",
    "tidb",
];
/// Folders never searched when detecting locations.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "build", "dist", "out", "vendor"];

/// Finds the projects at `path` (a folder, or a file inside a project).
pub fn discover_projects(path: &Path, options: &LoadOptions) -> Result<Vec<Project>, ConfigError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ConfigError::new(format!("cannot read {}: {e}", path.display())))?;
    let start = if meta.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let explicit = !options.config_files.is_empty();
    let base = if explicit {
        start.clone()
    } else {
        find_config_dir(&start).unwrap_or_else(|| start.clone())
    };
    let config = Config::load(&base, options)?;
    if let Some(project) = configured_project(&config, &base, &start) {
        return Ok(vec![project]);
    }

    // Detect migration folders below the path; each uses the nearest config above it, so a
    // tree of several projects (each with its own flyway.toml) is checked project by project.
    let parser = NameParser::new(&config.flyway);
    let mut projects: Vec<Project> = Vec::new();
    for dir in detect_locations(&start, &parser) {
        let nested = (!explicit)
            .then(|| find_config_dir(&dir))
            .flatten()
            .filter(|found| found != &base && found.starts_with(&start));
        let project = match nested {
            Some(config_dir) => {
                let nested_config = Config::load(&config_dir, options)?;
                configured_project(&nested_config, &config_dir, &dir)
                    .unwrap_or_else(|| detected_project(nested_config, dir))
            }
            None => detected_project(config.clone(), dir),
        };
        if !projects.iter().any(|p| p.locations == project.locations) {
            projects.push(project);
        }
    }
    Ok(projects)
}

/// The project of a config whose `locations` apply to `start`: `start` is the project folder
/// itself, or lies inside or around one of its locations.
fn configured_project(config: &Config, base: &Path, start: &Path) -> Option<Project> {
    let entries = config.flyway.locations.as_ref()?;
    let (locations, problems) = resolve_locations(base, entries);
    let applies = base == start
        || locations
            .iter()
            .any(|l| l.path.starts_with(start) || start.starts_with(&l.path));
    applies.then(|| Project {
        config: config.clone(),
        locations,
        location_problems: problems,
        detected: false,
    })
}

fn detected_project(config: Config, dir: PathBuf) -> Project {
    Project {
        config,
        locations: vec![Location {
            path: dir,
            configured_as: None,
        }],
        location_problems: Vec::new(),
        detected: true,
    }
}

/// Resolves `locations` entries against the project folder.
pub fn resolve_locations(base: &Path, entries: &[String]) -> (Vec<Location>, Vec<LocationProblem>) {
    let mut locations = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        let (scheme, rest) = match entry.split_once(':') {
            // A Windows drive letter is not a scheme.
            Some((scheme, rest)) if scheme.len() > 1 => (scheme, rest),
            _ => ("classpath", entry.as_str()),
        };
        let candidates: Vec<PathBuf> = match scheme {
            "filesystem" => vec![base.join(rest)],
            "classpath" => {
                let rest = rest.trim_start_matches('/');
                // Resources first; a package that holds only Java or Kotlin migrations is found
                // in the sources.
                let mut candidates: Vec<PathBuf> =
                    vec![base.join("src/main/resources").join(rest), base.join(rest)];
                candidates.extend(
                    CODE_ROOTS
                        .iter()
                        .filter(|root| **root != "src/main/resources")
                        .map(|root| base.join(root).join(rest)),
                );
                candidates
            }
            other => {
                problems.push(LocationProblem {
                    configured_as: entry.clone(),
                    path: None,
                    message: format!(
                        "location `{entry}` uses the `{other}:` scheme, which flyway-lsp cannot read; only filesystem: and classpath: locations are checked"
                    ),
                });
                continue;
            }
        };
        let mut found = Vec::new();
        for candidate in &candidates {
            if has_wildcard(candidate) {
                found.extend(expand_wildcards(candidate));
            } else if candidate.is_dir() {
                found.push(candidate.clone());
            } else if candidate.exists() {
                problems.push(LocationProblem {
                    configured_as: entry.clone(),
                    path: Some(candidate.clone()),
                    message: format!(
                        "location `{entry}` is a file, not a folder: {}",
                        candidate.display()
                    ),
                });
                found.push(PathBuf::new());
            }
            if !found.is_empty() {
                break;
            }
        }
        found.retain(|p| !p.as_os_str().is_empty());
        if found.is_empty() {
            if !problems.iter().any(|p| &p.configured_as == entry) {
                problems.push(LocationProblem {
                    configured_as: entry.clone(),
                    path: candidates.first().cloned(),
                    message: format!(
                        "location `{entry}` does not exist (looked for {}); Flyway warns \"Unable to resolve location\" and finds no migrations there",
                        candidates
                            .iter()
                            .map(|c| c.display().to_string())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                });
            }
            continue;
        }
        for path in found {
            if !locations.iter().any(|l: &Location| l.path == path) {
                locations.push(Location {
                    path,
                    configured_as: Some(entry.clone()),
                });
            }
        }
    }
    (locations, problems)
}

/// `locations` given on the command line, with relative `filesystem:` paths made absolute
/// against the working folder: Flyway's command line resolves them there, not against the
/// project folder (`classpath:` entries are left as they are).
pub fn locations_from_cwd(value: &str, cwd: &Path) -> String {
    value
        .split(',')
        .map(|entry| {
            let trimmed = entry.trim();
            match trimmed.strip_prefix("filesystem:") {
                Some(rest) if !rest.is_empty() && Path::new(rest).is_relative() => {
                    format!("filesystem:{}", cwd.join(rest).display())
                }
                _ => trimmed.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Where a Maven or Gradle build keeps what ends up on the classpath.
const CODE_ROOTS: &[&str] = &["src/main/resources", "src/main/java", "src/main/kotlin"];

/// The folders searched for Java and Kotlin migrations of a location, each with its classpath
/// package path (`db/migration`): for a `classpath:` location or a detected one, the location
/// itself and, when it lies in a Maven / Gradle layout (`…/src/main/resources/db/migration`),
/// the same package under `src/main/java` and `src/main/kotlin`. Flyway loads Java migrations
/// only from the classpath, so `filesystem:` locations have none.
pub fn code_dirs(location: &Location) -> Vec<(PathBuf, String)> {
    let classpath = match &location.configured_as {
        None => true,
        Some(entry) => match entry.split_once(':') {
            Some((scheme, _)) if scheme.len() > 1 => scheme == "classpath",
            _ => true,
        },
    };
    if !classpath {
        return Vec::new();
    }
    let path = &location.path;
    let text = path.to_string_lossy();
    for root in CODE_ROOTS {
        let marker = format!("/{root}/");
        if let Some(at) = text.rfind(&marker) {
            let module = Path::new(&text[..at]);
            let package = &text[at + marker.len()..];
            return CODE_ROOTS
                .iter()
                .map(|r| module.join(r).join(package))
                .filter(|dir| dir.is_dir())
                .map(|dir| (dir, package.trim_end_matches('/').to_string()))
                .collect();
        }
    }
    vec![(path.clone(), String::new())]
}

fn has_wildcard(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?'])
}

/// Expands `*` (within one folder name), `?` and `**` (any depth) to existing folders.
fn expand_wildcards(pattern: &Path) -> Vec<PathBuf> {
    let mut fixed = PathBuf::new();
    let mut components = pattern.components().peekable();
    while let Some(c) = components.peek() {
        if c.as_os_str().to_string_lossy().contains(['*', '?']) {
            break;
        }
        fixed.push(c);
        components.next();
    }
    let rest: Vec<String> = components
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut out = BTreeSet::new();
    expand_from(&fixed, &rest, &mut out, 0);
    out.into_iter().collect()
}

fn expand_from(dir: &Path, rest: &[String], out: &mut BTreeSet<PathBuf>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Some((first, tail)) = rest.split_first() else {
        if dir.is_dir() {
            out.insert(dir.to_path_buf());
        }
        return;
    };
    if first == "**" {
        expand_from(dir, tail, out, depth + 1);
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let name = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if first == "**" {
            if !name.starts_with('.') {
                expand_from(&sub, rest, out, depth + 1);
            }
        } else if glob_match(first, &name) {
            expand_from(&sub, tail, out, depth + 1);
        }
    }
}

/// Matches one path component against a pattern with `*` and `?`.
fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The folders below `root` that hold migrations, grouped as described in the module docs.
pub fn detect_locations(root: &Path, parser: &NameParser) -> Vec<PathBuf> {
    let holds_migrations = |dir: &Path| -> bool {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                e.file_type().is_ok_and(|t| !t.is_dir())
                    && parser.looks_like_migration(&name)
                    && parser.sql_suffix(&name).is_some()
            })
        })
    };
    // Pseudo file systems are never searched, each folder is searched once (known by device and
    // inode), and a link to a folder around the root is not followed: a link to `/proc` or `/`
    // below the root must not make detection walk the machine. There is no depth limit: Flyway
    // scans a location to any depth.
    let mut guard = crate::walk::DirGuard::new(root);
    if guard.enter(root, false).is_err() {
        return Vec::new();
    }
    if holds_migrations(root) {
        return vec![root.to_path_buf()];
    }
    let mut holders = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by(crate::walk::by_name)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || (e.file_type().is_dir()
                    && {
                        let name = e.file_name().to_string_lossy();
                        !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref())
                    }
                    && guard.enter(e.path(), e.path_is_symlink()).is_ok())
        });
    for entry in walker.filter_map(Result::ok) {
        if entry.depth() > 0 && holds_migrations(entry.path()) {
            holders.push(entry.into_path());
        }
    }
    let mut anchors: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in &holders {
        anchors.insert(anchor_for(root, dir));
    }
    // Keep the topmost of nested folders: a location is read recursively.
    let all: Vec<PathBuf> = anchors.into_iter().collect();
    let topmost: Vec<&PathBuf> = all
        .iter()
        .filter(|p| !all.iter().any(|q| q != *p && p.starts_with(q)))
        .collect();
    // A folder whose subfolders hold the same versions is not one location but several
    // (separate Flyway configurations side by side): split it where they collide. A holder's
    // keys are read only if a folder above it holds no migrations itself (most projects have
    // one folder of migrations, which is its own anchor: none are read).
    let keys: Holders = holders
        .iter()
        .map(|h| (h.as_path(), std::cell::OnceCell::new()))
        .collect();
    let mut out = Vec::new();
    for anchor in topmost {
        split_colliding(anchor, &keys, parser, &mut out);
    }
    out
}

/// The folders holding migrations, each with its [`identity_keys`] once they are read.
type Holders<'a> = std::collections::BTreeMap<&'a Path, std::cell::OnceCell<BTreeSet<String>>>;

/// What makes two migrations the same to Flyway: the version of a versioned (baseline, undo)
/// migration, the description of a repeatable one.
fn identity_keys(dir: &Path, parser: &NameParser) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return keys;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = entry.file_name();
        if let crate::naming::Classified::Named(n) = parser.classify(&name.to_string_lossy()) {
            let key = match (&n.version, n.kind) {
                (_, crate::naming::Kind::Callback) => continue,
                (Some(v), kind) => format!("{}{}", kind.name(), v.normalized()),
                (None, kind) => format!("{}{}", kind.name(), n.description()),
            };
            keys.insert(key);
        }
    }
    keys
}

/// Pushes `dir` when the migrations of its subfolders never collide (or it holds migrations
/// itself: a folder is always read whole), else each subfolder, split the same way.
fn split_colliding(dir: &Path, keys: &Holders, parser: &NameParser, out: &mut Vec<PathBuf>) {
    if keys.contains_key(dir) {
        out.push(dir.to_path_buf());
        return;
    }
    // The holders below `dir`, by the subfolder of `dir` they are in; a key found in two of
    // them is a collision (two files of one folder with one version are a real duplicate).
    let mut subfolders: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen: BTreeSet<&String> = BTreeSet::new();
    let mut collide = false;
    for (holder, holder_keys) in keys.range::<&Path, _>(dir..) {
        let Ok(rest) = holder.strip_prefix(dir) else {
            break;
        };
        let Some(first) = rest.components().next() else {
            continue;
        };
        subfolders.insert(dir.join(first));
        for key in holder_keys.get_or_init(|| identity_keys(holder, parser)) {
            collide |= !seen.insert(key);
        }
    }
    if !collide {
        out.push(dir.to_path_buf());
        return;
    }
    for sub in &subfolders {
        split_colliding(sub, keys, parser, out);
    }
}

fn anchor_for(root: &Path, dir: &Path) -> PathBuf {
    let mut current = dir;
    loop {
        let name = current
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if VENDOR_NAMES.contains(&name.as_str()) || WELL_KNOWN_NAMES.contains(&name.as_str()) {
            return current.to_path_buf();
        }
        match current.parent() {
            Some(parent) if parent.starts_with(root) && parent != root => current = parent,
            _ => return dir.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FlywaySettings;
    use std::fs;

    fn touch(path: &Path) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "select 1;").unwrap();
    }

    #[test]
    fn glob() {
        assert!(glob_match("*", "abc"));
        assert!(glob_match("mig*", "migrations"));
        assert!(glob_match("v?", "v1"));
        assert!(!glob_match("v?", "v12"));
        assert!(glob_match("*tion*", "migrations"));
    }

    #[test]
    fn detects_well_known_and_vendor_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("app/db/migration/V1__a.sql"));
        touch(&root.join("app/db/migration/2024/V2__b.sql"));
        touch(&root.join("vendors/MYSQL/V1__a.sql"));
        touch(&root.join("vendors/POSTGRESQL/V1__a.sql"));
        touch(&root.join("other/scripts/V1__x.sql"));
        touch(&root.join("node_modules/pkg/V1__x.sql"));
        touch(&root.join(".hidden/V1__x.sql"));
        touch(&root.join("docs/readme.sql"));
        let parser = NameParser::new(&FlywaySettings::default());
        let found: Vec<String> = detect_locations(root, &parser)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            vec![
                "app/db/migration",
                "other/scripts",
                "vendors/MYSQL",
                "vendors/POSTGRESQL"
            ]
        );
        // A folder that itself holds migrations is the one location.
        assert_eq!(
            detect_locations(&root.join("app/db/migration"), &parser),
            vec![root.join("app/db/migration")]
        );
    }

    fn detected(root: &Path) -> Vec<String> {
        let parser = NameParser::new(&FlywaySettings::default());
        detect_locations(root, &parser)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn detection_has_no_depth_limit() {
        let dir = tempfile::tempdir().unwrap();
        let deep: PathBuf = (0..16).map(|i| format!("d{i}")).collect();
        touch(&dir.path().join(&deep).join("V1__deep.sql"));
        assert_eq!(detected(dir.path()), vec![deep.display().to_string()]);
    }

    #[test]
    fn release_subfolders_are_one_set() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("db/migration/2.31/V2_31_0__a.sql"));
        touch(&root.join("db/migration/2.31/V2_31_1__b.sql"));
        touch(&root.join("db/migration/2.32/V2_32_0__c.sql"));
        touch(&root.join("db/migration/2.32/R__view.sql"));
        assert_eq!(detected(root), vec!["db/migration"]);
    }

    #[test]
    fn sibling_folders_whose_versions_collide_are_separate_sets() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for db in ["core_db", "list_db"] {
            for v in 1..=6 {
                touch(&root.join(format!("sql/migrations/{db}/V{v}__step.sql")));
            }
        }
        assert_eq!(
            detected(root),
            vec!["sql/migrations/core_db", "sql/migrations/list_db"]
        );
        // Versions equal to Flyway (1.0 and 1) collide; so do repeatables of one description.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("migration/common/R__01_temp_tables.sql"));
        touch(&root.join("migration/v1/V1.0__init.sql"));
        touch(&root.join("migration/v1/R__02_views.sql"));
        touch(&root.join("migration/v2/V1__init.sql"));
        touch(&root.join("migration/v2/nested/R__02_views.sql"));
        assert_eq!(
            detected(root),
            vec!["migration/common", "migration/v1", "migration/v2"]
        );
        // Only the colliding branch is split; a folder holding migrations itself is read whole.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("migration/app/a/V1__x.sql"));
        touch(&root.join("migration/app/b/V1__x.sql"));
        touch(&root.join("migration/own/V5__x.sql"));
        touch(&root.join("migration/own/sub/V5__y.sql"));
        assert_eq!(
            detected(root),
            vec!["migration/app/a", "migration/app/b", "migration/own"]
        );
    }

    #[test]
    fn java_migrations_are_looked_for_in_the_classpath_package() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [
            "src/main/resources/db/migration",
            "src/main/java/db/migration",
            "src/main/kotlin/db/migration",
            "src/main/java/com/acme/flyway",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        let entries: Vec<String> = ["classpath:db/migration", "classpath:com/acme/flyway"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (locations, problems) = resolve_locations(root, &entries);
        assert!(problems.is_empty(), "{problems:?}");
        // A package holding only Java migrations is a location too (no missing-location).
        assert_eq!(
            locations[1].path,
            root.join("src/main/java/com/acme/flyway")
        );
        let dirs = |l: &Location| -> Vec<(String, String)> {
            code_dirs(l)
                .into_iter()
                .map(|(d, p)| (d.strip_prefix(root).unwrap().display().to_string(), p))
                .collect()
        };
        let pkg = |d: &str, p: &str| (d.to_string(), p.to_string());
        assert_eq!(
            dirs(&locations[0]),
            vec![
                pkg("src/main/resources/db/migration", "db/migration"),
                pkg("src/main/java/db/migration", "db/migration"),
                pkg("src/main/kotlin/db/migration", "db/migration"),
            ]
        );
        assert_eq!(
            dirs(&locations[1]),
            vec![pkg("src/main/java/com/acme/flyway", "com/acme/flyway")]
        );
        // Flyway loads no Java migrations from the file system.
        let (fs_locations, _) = resolve_locations(
            root,
            &["filesystem:src/main/resources/db/migration".to_string()],
        );
        assert!(code_dirs(&fs_locations[0]).is_empty());
    }

    /// Issue #12 row 16: Flyway's `Location` gives a descriptor without a prefix the
    /// `classpath:` prefix, so `db/migration` is found where `classpath:db/migration` is (the
    /// resources folder first), not as the folder `./db/migration`.
    #[test]
    fn a_location_without_a_prefix_is_a_classpath_location() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [
            "src/main/resources/db/migration",
            "db/migration",
            "src/main/java/db/migration",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        let resolve = |entry: &str| resolve_locations(root, &[entry.to_string()]);
        let (bare, problems) = resolve("db/migration");
        assert!(problems.is_empty(), "{problems:?}");
        let (classpath, _) = resolve("classpath:db/migration");
        let paths = |l: &[Location]| l.iter().map(|l| l.path.clone()).collect::<Vec<_>>();
        assert_eq!(
            paths(&bare),
            vec![root.join("src/main/resources/db/migration")]
        );
        assert_eq!(paths(&bare), paths(&classpath));
        assert_eq!(code_dirs(&bare[0]), code_dirs(&classpath[0]));
        assert_eq!(code_dirs(&bare[0]).len(), 2);
        let (filesystem, _) = resolve("filesystem:db/migration");
        assert_eq!(paths(&filesystem), vec![root.join("db/migration")]);
    }

    #[test]
    fn command_line_locations_resolve_against_the_working_folder() {
        let cwd = Path::new("/work/here");
        assert_eq!(
            locations_from_cwd(
                "filesystem:sql, classpath:db/migration,filesystem:/abs,db",
                cwd
            ),
            "filesystem:/work/here/sql,classpath:db/migration,filesystem:/abs,db"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn detection_does_not_follow_links_to_kernel_or_root_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(&root.join("app/db/migration/V1__a.sql"));
        for (name, target) in [
            ("proc", "/proc"),
            ("sys", "/sys"),
            ("dev", "/dev"),
            ("slash", "/"),
        ] {
            std::os::unix::fs::symlink(target, root.join("app").join(name)).unwrap();
        }
        std::os::unix::fs::symlink(root, root.join("app/db/up")).unwrap();
        let parser = NameParser::new(&FlywaySettings::default());
        let start = std::time::Instant::now();
        let found = detect_locations(root, &parser);
        assert_eq!(found, vec![root.join("app/db/migration")]);
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        // A root on a pseudo file system holds no migrations to detect.
        assert!(detect_locations(Path::new("/proc"), &parser).is_empty());
    }

    #[test]
    fn resolves_configured_locations() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("sql")).unwrap();
        fs::create_dir_all(root.join("src/main/resources/db/migration")).unwrap();
        fs::create_dir_all(root.join("modules/a/migrations")).unwrap();
        fs::create_dir_all(root.join("modules/b/migrations")).unwrap();
        fs::write(root.join("afile"), "").unwrap();
        let entries: Vec<String> = [
            "filesystem:sql",
            "classpath:db/migration",
            "filesystem:modules/*/migrations",
            "filesystem:missing",
            "filesystem:afile",
            "s3:bucket/x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (locations, problems) = resolve_locations(root, &entries);
        let paths: Vec<PathBuf> = locations.iter().map(|l| l.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                root.join("sql"),
                root.join("src/main/resources/db/migration"),
                root.join("modules/a/migrations"),
                root.join("modules/b/migrations"),
            ]
        );
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("does not exist"));
        assert!(messages[1].contains("is a file"));
        assert!(messages[2].contains("s3:"));
    }

    #[test]
    fn config_in_parent_applies_to_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(
            root.join("flyway.toml"),
            "[flyway]\nlocations = [\"filesystem:db/migration\"]\n",
        )
        .unwrap();
        touch(&root.join("db/migration/V1__a.sql"));
        touch(&root.join("db/migration/sub/V2__b.sql"));
        let projects =
            discover_projects(&root.join("db/migration/sub"), &LoadOptions::default()).unwrap();
        assert_eq!(projects.len(), 1);
        assert!(!projects[0].detected);
        assert_eq!(projects[0].locations[0].path, root.join("db/migration"));
    }
}
