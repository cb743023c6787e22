//! The command line: every command, flag and help text, as clap reads them.

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  cos ls                                    list your buckets
  cos ls -H cos://photos/2024/              list one level of a prefix, sizes in KiB/MiB/GiB
  cos cp -r ./site cos://web/               upload a directory
  cos cp 'cos://logs/app/*.gz' ./logs/      download every .gz directly under app/ (** crosses /)
  cos sync --delete ./site cos://web/       make the bucket prefix match the directory
  cos rm --dry-run 'cos://logs/2023/**'     show what a removal would delete
  cat big.tar | cos pipe cos://backup/big.tar
  cos api ListObjectsV2 --input '{\"Bucket\": \"photos\", \"MaxKeys\": 5}'
  cos restore --days 2 --tier Accelerated --wait cos://archive/report.pdf

Configuration comes from the environment (COS_ENDPOINT, COS_REGION, IBM_API_KEY_ID, AWS_ACCESS_KEY_ID,
...), ~/.bluemix/cos_credentials and ~/.aws profiles, as for cos-sdk's Client::from_env; flags win.
Exit codes: 0 all succeeded, 1 some operation failed, 2 the command line was wrong, 130 interrupted.
Ctrl-C stops transfers cleanly: with --resume they keep their parts for the next --resume run, without
it multipart uploads are aborted and partial downloads removed.";

/// cos: the command line for IBM Cloud Object Storage (and other S3-compatible services).
#[derive(Debug, Parser)]
#[command(name = "cos", version, after_help = EXAMPLES, max_term_width = 110)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args, Clone, PartialEq)]
pub struct Global {
    /// The ~/.aws profile to read credentials and endpoint_url from, ahead of credential variables and
    /// ~/.bluemix/cos_credentials (else AWS_PROFILE, else `default`, which rank below them).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// The service URL, e.g. https://s3.us-south.cloud-object-storage.appdomain.cloud.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// An IBM COS location (us-south, eu-de, ...): the endpoint is derived from it.
    #[arg(long, global = true)]
    pub location: Option<String>,
    /// The network of an IBM location's endpoint.
    #[arg(long, global = true, value_enum)]
    pub endpoint_type: Option<EndpointKind>,
    /// The service instance id (CRN) for bucket listing and creation with an IAM API key.
    #[arg(long, global = true, value_name = "CRN")]
    pub instance_id: Option<String>,
    /// Print one JSON object per result on stdout (errors too), and no progress bar.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print what would change, and change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Requests in flight at once: objects, and the parts of large ones. Uploads hold up to this many
    /// parts in memory (32 x 8 MiB parts: 256 MiB at most).
    #[arg(long, short = 'c', global = true, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Part size of multipart transfers, in MiB.
    #[arg(long, global = true, value_name = "MIB", value_parser = clap::value_parser!(u64).range(5..=5120))]
    pub part_size: Option<u64>,
    /// The checksum every uploaded part carries, checked by the service. md5 sends Content-MD5, which
    /// every S3 store checks but costs more CPU; the others are S3's flexible checksums (IBM COS and AWS
    /// check them; stores that do not know them ignore them).
    #[arg(long, global = true, value_enum, default_value_t = Checksum::Crc32c)]
    pub checksum_algorithm: Checksum,
    /// Take URLs literally: `*`, `?` and `[` are parts of keys, not wildcards.
    #[arg(long, global = true)]
    pub raw: bool,
    /// Never draw the progress bar.
    #[arg(long, global = true)]
    pub no_progress: bool,
}

/// The checksums of uploads.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum Checksum {
    Crc32c,
    Crc32,
    Crc64nvme,
    Sha1,
    Sha256,
    Md5,
}

/// The networks of an IBM location.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum EndpointKind {
    Public,
    Private,
    Direct,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List buckets, or the objects under a cos://bucket/prefix (wildcards allowed).
    #[command(after_help = "Examples:
  cos ls                          your buckets
  cos ls -H cos://b/photos/       one level below photos/ (DIR rows for deeper prefixes)
  cos ls -r -l cos://b/           every object, with ETag and storage class
  cos ls 'cos://b/logs/*.gz'      a pattern: * within a level, ** across levels
  cos ls --versions cos://b/doc   every version and delete marker")]
    Ls(LsArgs),
    /// List buckets; --extended adds each bucket's location and creation template (IBM).
    #[command(after_help = "Examples:
  cos buckets                 names and creation dates
  cos buckets --extended      with each bucket's location and creation template (IBM)")]
    Buckets {
        #[arg(long)]
        extended: bool,
    },
    /// Copy files and objects: local to cos://, cos:// to local, or cos:// to cos://.
    #[command(after_help = "Examples:
  cos cp report.pdf cos://b/docs/            to cos://b/docs/report.pdf
  cos cp -r ./site cos://b/www/              the directory's files below www/
  cos cp 'cos://b/logs/2024-*.gz' ./logs/    matching objects, named below logs/
  cos cp -r cos://b/www/ ./mirror/           a prefix to a directory
  cos cp cos://b/a.txt cos://other/a.txt     server-side copy, any size
  cos cp --resume big.iso cos://b/           resumable: run again after a failure or Ctrl-C")]
    Cp(CopyArgs),
    /// Move: copy, then remove each source that was copied.
    #[command(after_help = "Examples:
  cos mv draft.txt cos://b/final.txt         upload, then remove the local file
  cos mv -r cos://b/inbox/ cos://b/done/     server-side, each source removed once copied
  cos mv 'cos://b/tmp/*.csv' ./csv/          download matching objects, then delete them")]
    Mv(CopyArgs),
    /// Remove objects (wildcards and --recursive expand to many, deleted 1,000 per request).
    #[command(after_help = "Examples:
  cos rm cos://b/old.txt
  cos rm --dry-run 'cos://b/tmp/**'     prints what the same command without --dry-run deletes
  cos rm -r cos://b/build/              everything under build/, 1,000 keys per request")]
    Rm(RmArgs),
    /// Write an object (or a byte range of it) to stdout.
    #[command(after_help = "Examples:
  cos cat cos://b/notes.txt
  cos cat --range 0-99 cos://b/big.log       the first 100 bytes
  cos cat --range -1024 cos://b/big.log      the last KiB")]
    Cat {
        url: String,
        /// A byte range: `0-99`, `100-` or `-100` (the last 100 bytes).
        #[arg(long, allow_hyphen_values = true)]
        range: Option<String>,
    },
    /// Upload stdin to an object, streamed in parts.
    #[command(after_help = "Examples:
  tar c ./dir | cos pipe cos://b/dir.tar
  pg_dump db | cos pipe --expected-size 200000000000 cos://b/db.sql   parts sized for ~200 GB")]
    Pipe {
        url: String,
        /// About how many bytes will come: picks parts big enough for them (without it, parts of
        /// --part-size allow at most 10,000 x that size).
        #[arg(long, value_name = "BYTES")]
        expected_size: Option<u64>,
        #[command(flatten)]
        object: ObjectArgs,
    },
    /// Show an object's metadata.
    #[command(visible_alias = "head")]
    #[command(after_help = "Examples:
  cos stat cos://b/report.pdf             size, ETag, type, metadata, retention
  cos --json head cos://b/report.pdf      the same as JSON")]
    Stat { url: String },
    /// Total size and count of the objects under a prefix.
    #[command(after_help = "Examples:
  cos du -H cos://b/logs/                  total size and count under logs/")]
    Du {
        url: String,
        /// Sizes in KiB, MiB, GiB.
        #[arg(short = 'H', long)]
        human: bool,
    },
    /// Make a bucket.
    #[command(after_help = "Examples:
  cos mb cos://new-bucket
  cos mb --location-constraint us-south-smart cos://b
  cos mb --kp-root-key-crn crn:v1:bluemix:public:kms:us-south:a/...:key:... cos://vault")]
    Mb(MbArgs),
    /// Remove an empty bucket.
    #[command(after_help = "Examples:
  cos rm -r cos://old/ && cos rb cos://old")]
    Rb { url: String },
    /// Print a presigned URL (needs HMAC keys).
    #[command(after_help = "Examples:
  cos presign --expires 600 cos://b/report.pdf      a download link valid 10 minutes
  cos presign --put cos://b/upload.bin               a link to upload with (curl -T file URL)")]
    Presign {
        url: String,
        /// Seconds the URL stays valid (at most 7 days).
        #[arg(long, default_value_t = 3600)]
        expires: u64,
        /// A URL to upload with (PUT) rather than download.
        #[arg(long)]
        put: bool,
    },
    /// Make a destination match a source: copy what is new or changed, optionally delete the rest.
    #[command(after_help = "Examples:
  cos sync ./site cos://b/www/                         new and newer files, and changed sizes
  cos sync --delete --exclude '*.tmp' ./site cos://b/www/
  cos sync --checksum cos://b/data/ ./data/            compares contents (MD5 and ETag)")]
    Sync(SyncArgs),
    /// Run the commands of FILE (or stdin), one per line, many at once.
    #[command(after_help = "Examples:
  cos run commands.txt                  lines such as `cp a.txt cos://b/a.txt` or `rm cos://b/x`
  ls *.log | sed 's|.*|cp & cos://b/logs/|' | cos run")]
    Run {
        /// A file of commands, such as `cp a.txt cos://b/a.txt`; `-` or nothing reads stdin.
        file: Option<String>,
    },
    /// Call any operation by name with boto3-style JSON input; prints its JSON output.
    #[command(after_help = "Examples:
  cos api --list
  cos api PutBucketTagging --skeleton > tagging.json
  cos api PutBucketTagging --input-file tagging.json
  cos api HeadObject --input '{\"Bucket\": \"b\", \"Key\": \"k\"}'")]
    Api(ApiArgs),
    /// A bucket's protection (retention) configuration (IBM).
    #[command(subcommand)]
    #[command(after_help = "Examples:
  cos protection set cos://b --min-days 30 --default-days 365 --max-days 3650
  cos protection get cos://b")]
    Protection(ProtectionCommand),
    /// Object retention (IBM).
    #[command(subcommand)]
    #[command(after_help = "Examples:
  cos retention extend cos://b/contract.pdf --add-seconds 86400
  cos retention extend cos://b/contract.pdf --until 2030-01-01T00:00:00Z")]
    Retention(RetentionCommand),
    /// Legal holds on an object (IBM).
    #[command(subcommand)]
    #[command(after_help = "Examples:
  cos legal-hold add cos://b/mail.eml --id case-42
  cos legal-hold ls cos://b/mail.eml
  cos legal-hold rm cos://b/mail.eml --id case-42")]
    LegalHold(LegalHoldCommand),
    /// Lifecycle rules.
    #[command(subcommand)]
    #[command(after_help = "Examples:
  cos lifecycle archive cos://b --days 90 --storage-class GLACIER
  cos lifecycle get cos://b")]
    Lifecycle(LifecycleCommand),
    /// Restore an archived object for a number of days.
    #[command(after_help = "Examples:
  cos restore --days 2 --tier Accelerated cos://b/old.pdf
  cos restore --days 7 --tier Bulk --wait cos://b/old.pdf    returns once it can be read")]
    Restore(RestoreArgs),
    /// Replication (IBM).
    #[command(subcommand)]
    #[command(after_help = "Examples:
  cos replication failures cos://b")]
    Replication(ReplicationCommand),
    /// Write credentials and an endpoint into a ~/.aws profile (--profile, else `default`).
    #[command(after_help = "Examples:
  cos configure                                   asks for HMAC keys on stdin (not echoed)
  cos --profile work --location us-south configure --api-key-from-env IBM_API_KEY_ID
  cos --profile lab --endpoint http://127.0.0.1:9000 configure --access-key-id KEY --secret-from-env SECRET")]
    Configure(ConfigureArgs),
    /// Print a shell completion script.
    #[command(after_help = "Examples:
  cos completions bash > ~/.local/share/bash-completion/completions/cos
  cos completions fish > ~/.config/fish/completions/cos.fish")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// Commands that transfer object data (the progress bar's and a clean Ctrl-C's business).
    pub fn moves_bytes(&self) -> bool {
        matches!(self, Command::Cp(_) | Command::Mv(_) | Command::Sync(_) | Command::Pipe { .. } | Command::Run { .. })
    }
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// cos://bucket[/prefix]; nothing lists the buckets.
    pub url: Option<String>,
    /// Everything under the prefix, not one level.
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Sizes in KiB, MiB, GiB.
    #[arg(short = 'H', long)]
    pub human: bool,
    /// Also show the ETag and storage class.
    #[arg(short = 'l', long)]
    pub long: bool,
    /// Every version and delete marker.
    #[arg(long)]
    pub versions: bool,
}

/// Settings of objects that are written.
#[derive(Debug, Args, Clone, Default)]
pub struct ObjectArgs {
    /// Storage class of new objects (STANDARD, GLACIER, ACCELERATED, ...).
    #[arg(long)]
    pub storage_class: Option<String>,
    /// Content-Type of new objects.
    #[arg(long)]
    pub content_type: Option<String>,
    /// User metadata of new objects, `name=value`; repeatable.
    #[arg(long = "metadata", value_name = "NAME=VALUE")]
    pub metadata: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Sources, then the destination.
    #[arg(required = true, num_args = 2..)]
    pub paths: Vec<String>,
    /// Copy directories and prefixes with everything under them.
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// Make large transfers resumable, and continue one that an earlier --resume run left unfinished.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub object: ObjectArgs,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// Everything under each prefix.
    #[arg(short = 'r', long)]
    pub recursive: bool,
}

#[derive(Debug, Args)]
pub struct MbArgs {
    pub url: String,
    /// IBM's provisioning code or the location constraint, e.g. us-south-smart.
    #[arg(long)]
    pub location_constraint: Option<String>,
    /// Key Protect or HPCS root key CRN that encrypts the bucket (IBM).
    #[arg(long, value_name = "CRN")]
    pub kp_root_key_crn: Option<String>,
    /// Key Protect encryption algorithm (IBM); AES256 when a root key is given.
    #[arg(long, requires = "kp_root_key_crn")]
    pub kp_encryption_algorithm: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    pub source: String,
    pub destination: String,
    /// Copy only when sizes differ.
    #[arg(long, conflicts_with = "checksum")]
    pub size_only: bool,
    /// Copy when the contents' MD5 differs from the object's ETag (reads every local file).
    #[arg(long)]
    pub checksum: bool,
    /// Delete from the destination what the source does not have.
    #[arg(long)]
    pub delete: bool,
    /// Skip relative paths matching this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Only relative paths matching one of these globs; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    #[command(flatten)]
    pub object: ObjectArgs,
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The operation, e.g. ListObjectsV2.
    #[arg(required_unless_present = "list")]
    pub operation: Option<String>,
    /// The input as JSON.
    #[arg(long, conflicts_with_all = ["input_file", "skeleton"])]
    pub input: Option<String>,
    /// A file holding the input as JSON (`-` reads stdin).
    #[arg(long, conflicts_with = "skeleton")]
    pub input_file: Option<String>,
    /// Print a template of the operation's input.
    #[arg(long)]
    pub skeleton: bool,
    /// Print every operation's name.
    #[arg(long, conflicts_with = "operation")]
    pub list: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProtectionCommand {
    /// Print the protection configuration.
    Get { url: String },
    /// Enable retention with these periods, in days.
    Set {
        url: String,
        #[arg(long)]
        min_days: i32,
        #[arg(long)]
        max_days: i32,
        #[arg(long)]
        default_days: i32,
    },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Extend an object's retention: by seconds, to a new period, or to a date.
    Extend {
        url: String,
        /// Seconds added to the current retention.
        #[arg(long, group = "how")]
        add_seconds: Option<i64>,
        /// A new retention period in seconds, counted from the object's creation.
        #[arg(long, group = "how")]
        period: Option<i64>,
        /// A new expiration date (ISO 8601).
        #[arg(long, group = "how")]
        until: Option<String>,
        /// Retention ending this many seconds from now (never shortening it).
        #[arg(long, value_name = "SECONDS", group = "how")]
        from_now: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LegalHoldCommand {
    /// Add a legal hold.
    Add {
        url: String,
        #[arg(long)]
        id: String,
    },
    /// List an object's legal holds.
    Ls { url: String },
    /// Remove a legal hold.
    Rm {
        url: String,
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Archive every object of the bucket after N days (IBM: one archive rule per bucket).
    Archive {
        url: String,
        #[arg(long)]
        days: i32,
        #[arg(long, value_parser = ["GLACIER", "ACCELERATED"])]
        storage_class: String,
    },
    /// Print the lifecycle configuration.
    Get { url: String },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    pub url: String,
    /// Days the restored copy stays readable.
    #[arg(long)]
    pub days: i32,
    /// Bulk or Standard for GLACIER, Accelerated for ACCELERATED.
    #[arg(long, value_parser = ["Bulk", "Standard", "Accelerated", "Expedited"])]
    pub tier: Option<String>,
    /// Wait until the restored copy can be read.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up (exit 1) after this many seconds. The default, a day, leaves room over
    /// GLACIER's slowest tier (up to 12 hours).
    #[arg(long, value_name = "SECONDS", default_value_t = 24 * 3600, requires = "wait")]
    pub wait_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum ReplicationCommand {
    /// List the objects that failed to replicate.
    Failures { url: String },
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// HMAC access key id (read from stdin when neither this nor --api-key is given).
    #[arg(long)]
    pub access_key_id: Option<String>,
    /// Read the HMAC secret access key from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pub secret_from_env: Option<String>,
    /// Read an IAM API key from this environment variable (instead of HMAC keys).
    #[arg(long, value_name = "VAR", conflicts_with = "access_key_id")]
    pub api_key_from_env: Option<String>,
}
