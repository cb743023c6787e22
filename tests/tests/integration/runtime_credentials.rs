//! The credential chain and environment configuration with a temporary HOME and an explicit environment
//! (never the process's own): every source, their precedence, and malformed files named in the error.

use cos_sdk::credentials::resolve_credentials;
use cos_sdk::{Config, ConfigBuilder, Credentials, CredentialsKind, Environment, ErrorKind};
use cos_sdk_tests::temp::TempDir;

fn env(home: &TempDir, vars: &[(&str, &str)]) -> Environment {
    Environment::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())), Some(home.path()))
}

const SERVICE_CREDENTIAL: &str = r#"{
  "apikey": "file-api-key",
  "cos_hmac_keys": {"access_key_id": "file-hmac-id", "secret_access_key": "file-hmac-secret"},
  "endpoints": "https://control.cloud-object-storage.cloud.ibm.com/v2/endpoints",
  "iam_auth_endpoint": "https://iam.cloud.ibm.com/identity/token",
  "resource_instance_id": "crn:v1:file-instance"
}"#;

#[test]
fn empty_environment_finds_nothing_and_says_what_to_set() {
    let home = TempDir::new("creds-empty");
    assert!(resolve_credentials(&env(&home, &[])).unwrap().is_none());
    let err = ConfigBuilder::from_environment(&env(&home, &[("COS_ENDPOINT", "https://s3.example")]))
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.to_string().contains("IBM_API_KEY_ID"), "{err}");
}

#[test]
fn environment_variables_come_first() {
    let home = TempDir::new("creds-env");
    home.write(".bluemix/cos_credentials", SERVICE_CREDENTIAL);
    home.write(".aws/credentials", "[default]\naws_access_key_id = profile-id\naws_secret_access_key = profile-secret\n");

    let found = resolve_credentials(&env(&home, &[("IBM_API_KEY_ID", "env-key"), ("IBM_SERVICE_INSTANCE_ID", "crn:env")]))
        .unwrap()
        .unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::ApiKey);
    assert_eq!(found.instance_id.as_deref(), Some("crn:env"));
    assert_eq!(found.source, "environment");

    let found = resolve_credentials(&env(
        &home,
        &[("AWS_ACCESS_KEY_ID", "env-id"), ("AWS_SECRET_ACCESS_KEY", "env-secret"), ("IBM_API_KEY_ID", "env-key")],
    ))
    .unwrap()
    .unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::Hmac, "HMAC keys win over an API key");
    assert_eq!(found.credentials.access_key_id(), Some("env-id"));

    let err = resolve_credentials(&env(&home, &[("AWS_ACCESS_KEY_ID", "only-id")])).unwrap_err();
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}

#[test]
fn service_credential_file_from_home_or_variable() {
    let home = TempDir::new("creds-file");
    home.write(".bluemix/cos_credentials", SERVICE_CREDENTIAL);
    home.write(".aws/credentials", "[default]\naws_access_key_id = profile-id\naws_secret_access_key = profile-secret\n");
    let found = resolve_credentials(&env(&home, &[])).unwrap().unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::Hmac);
    assert_eq!(found.credentials.access_key_id(), Some("file-hmac-id"), "the file comes before ~/.aws");
    assert_eq!(found.instance_id.as_deref(), Some("crn:v1:file-instance"));
    assert!(found.source.contains("cos_credentials"), "{}", found.source);

    // COS_CREDENTIALS_FILE points elsewhere; the IBM Cloud CLI's array form with an API key only.
    let other = home.write(
        "elsewhere/creds.json",
        r#"[{"name": "key1", "credentials": {"apikey": "cli-api-key", "resource_instance_id": "crn:cli"}}]"#,
    );
    let found = resolve_credentials(&env(&home, &[("COS_CREDENTIALS_FILE", other.to_str().unwrap())])).unwrap().unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::ApiKey);
    assert_eq!(found.instance_id.as_deref(), Some("crn:cli"));

    // A named file that does not exist is an error, not a silent skip.
    let err = resolve_credentials(&env(&home, &[("COS_CREDENTIALS_FILE", "/nonexistent/creds.json")])).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/creds.json") && err.to_string().contains("COS_CREDENTIALS_FILE"), "{err}");
}

#[test]
fn malformed_service_credential_file_is_named() {
    let home = TempDir::new("creds-bad-json");
    let path = home.write(".bluemix/cos_credentials", "{\"apikey\": ");
    let err = resolve_credentials(&env(&home, &[])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let text = err.to_string();
    assert!(text.contains(path.to_str().unwrap()) && text.contains("malformed"), "{text}");

    home.write(".bluemix/cos_credentials", r#"{"resource_instance_id": "crn:x"}"#);
    let err = resolve_credentials(&env(&home, &[])).unwrap_err().to_string();
    assert!(err.contains("neither `cos_hmac_keys` nor `apikey`"), "{err}");

    home.write(".bluemix/cos_credentials", r#"{"cos_hmac_keys": {"access_key_id": "id", "secret_access_key": "very-secret"}, "apikey": 7}"#);
    let err = resolve_credentials(&env(&home, &[])).unwrap_err().to_string();
    assert!(err.contains("`apikey` must be a string"), "{err}");
    assert!(!err.contains("very-secret"), "{err}");
}

#[test]
fn aws_profiles_with_ibm_keys() {
    let home = TempDir::new("creds-aws");
    home.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = default-id\naws_secret_access_key = default-secret\n\n\
         [ibm]\nibm_api_key_id = profile-api-key\nibm_service_instance_id = crn:profile\n\
         ibm_auth_endpoint = https://iam.test.cloud.ibm.com\n",
    );
    home.write(".aws/config", "[default]\nregion = us-south\n\n[profile cfgonly]\nibm_api_key_id = config-api-key\n");

    let found = resolve_credentials(&env(&home, &[])).unwrap().unwrap();
    assert_eq!(found.credentials.access_key_id(), Some("default-id"));
    assert!(found.source.contains("profile `default`"), "{}", found.source);

    let found = resolve_credentials(&env(&home, &[("AWS_PROFILE", "ibm")])).unwrap().unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::ApiKey);
    assert_eq!(found.instance_id.as_deref(), Some("crn:profile"));
    assert_eq!(found.iam_endpoint.as_deref(), Some("https://iam.test.cloud.ibm.com"));

    // A profile only in the config file (`[profile name]` there).
    let found = resolve_credentials(&env(&home, &[("AWS_PROFILE", "cfgonly")])).unwrap().unwrap();
    assert_eq!(found.credentials.kind(), CredentialsKind::ApiKey);

    let err = resolve_credentials(&env(&home, &[("AWS_PROFILE", "missing")])).unwrap_err().to_string();
    assert!(err.contains("`missing`") && err.contains("AWS_PROFILE"), "{err}");

    // Files named by variables replace the ones in HOME.
    let elsewhere = home.write("other/creds", "[default]\naws_access_key_id = other-id\naws_secret_access_key = s\n");
    let found = resolve_credentials(&env(&home, &[("AWS_SHARED_CREDENTIALS_FILE", elsewhere.to_str().unwrap())]))
        .unwrap()
        .unwrap();
    assert_eq!(found.credentials.access_key_id(), Some("other-id"));
}

#[test]
fn malformed_ini_is_named_with_its_line() {
    let home = TempDir::new("creds-bad-ini");
    let path = home.write(".aws/credentials", "[default]\naws_access_key_id = id\nthis line is wrong\n");
    let err = resolve_credentials(&env(&home, &[])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let text = err.to_string();
    assert!(text.contains(path.to_str().unwrap()) && text.contains("line 3"), "{text}");

    home.write(".aws/credentials", "[default]\naws_access_key_id = id-without-secret\n");
    let err = resolve_credentials(&env(&home, &[])).unwrap_err().to_string();
    assert!(err.contains("aws_secret_access_key"), "{err}");
}

#[test]
fn full_configuration_from_an_environment() {
    let home = TempDir::new("creds-config");
    home.write(".bluemix/cos_credentials", r#"{"apikey": "file-api-key", "resource_instance_id": "crn:file"}"#);
    let config = ConfigBuilder::from_environment(&env(
        &home,
        &[
            ("COS_REGION", "eu-de"),
            ("COS_ENDPOINT_TYPE", "direct"),
            ("IBM_AUTH_ENDPOINT", "https://iam.test.cloud.ibm.com"),
            ("AWS_MAX_ATTEMPTS", "4"),
        ],
    ))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(config.endpoint().authority(), "s3.direct.eu-de.cloud-object-storage.appdomain.cloud");
    assert_eq!(config.instance_id(), Some("crn:file"));
    assert_eq!(config.iam_endpoint(), "https://iam.test.cloud.ibm.com/identity/token");
    assert_eq!(config.retry().max_attempts(), 4);
    assert_eq!(config.credentials().kind(), CredentialsKind::ApiKey);

    // Explicit settings override the environment.
    let config = ConfigBuilder::from_environment(&env(&home, &[("COS_ENDPOINT", "http://127.0.0.1:9000/prefix")]))
        .unwrap()
        .credentials(Credentials::hmac("explicit", "s"))
        .build()
        .unwrap();
    assert_eq!(config.endpoint().path_prefix(), "/prefix");
    assert_eq!(config.credentials().access_key_id(), Some("explicit"));

    let err = ConfigBuilder::from_environment(&env(&home, &[("COS_REGION", "moon-1")])).unwrap().build().unwrap_err().to_string();
    assert!(err.contains("moon-1") && err.contains("us-south") && err.contains("COS_REGION"), "{err}");
    // A location variable set for another tool does not stop an endpoint given to the builder.
    let builder = ConfigBuilder::from_environment(&env(&home, &[("AWS_REGION", "us-east-1")])).unwrap();
    assert_eq!(builder.endpoint_url("http://127.0.0.1:9").build().unwrap().endpoint().authority(), "127.0.0.1:9");

    let err = ConfigBuilder::from_environment(&env(&home, &[("AWS_CA_BUNDLE", "/nonexistent/ca.pem")])).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/ca.pem") && err.contains("AWS_CA_BUNDLE"), "{err}");
}

#[test]
fn a_profile_names_its_endpoint() {
    let home = TempDir::new("creds-profile-endpoint");
    home.write(".aws/credentials", "[work]\naws_access_key_id = id\naws_secret_access_key = s\n");
    home.write(".aws/config", "[profile work]\nendpoint_url = http://127.0.0.1:9/base\n[profile bad]\nendpoint_url = ftp://x\nibm_api_key_id = k\n");
    let config = ConfigBuilder::from_environment(&env(&home, &[("AWS_PROFILE", "work")])).unwrap().build().unwrap();
    assert_eq!(config.endpoint().authority(), "127.0.0.1:9");
    assert_eq!(config.endpoint().path_prefix(), "/base");
    // The environment's endpoint wins over the profile's.
    let config = ConfigBuilder::from_environment(&env(&home, &[("AWS_PROFILE", "work"), ("COS_ENDPOINT", "http://127.0.0.1:7")]))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(config.endpoint().authority(), "127.0.0.1:7");
    // The profile's URL ranks above an IBM location variable (AWS_REGION is often set for signing).
    let config = ConfigBuilder::from_environment(&env(&home, &[("AWS_PROFILE", "work"), ("AWS_REGION", "us-east-1")]))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(config.endpoint().authority(), "127.0.0.1:9");
    // A broken endpoint_url does not matter when a URL variable names the service.
    let config = ConfigBuilder::from_environment(&env(&home, &[("AWS_PROFILE", "bad"), ("COS_ENDPOINT", "http://127.0.0.1:7")]))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(config.endpoint().authority(), "127.0.0.1:7");
    let err = ConfigBuilder::from_environment(&env(&home, &[("AWS_PROFILE", "bad")])).unwrap().build().unwrap_err().to_string();
    assert!(err.contains("endpoint_url") && err.contains("profile `bad`") && err.contains("ftp://x"), "{err}");
}

#[test]
fn a_named_profile_ranks_above_variables_and_the_service_credential_file() {
    let home = TempDir::new("creds-named-profile");
    home.write(".bluemix/cos_credentials", SERVICE_CREDENTIAL);
    home.write(".aws/credentials", "[work]\naws_access_key_id = work-id\naws_secret_access_key = work-secret\n");
    let endpoint = ("COS_ENDPOINT", "https://s3.example");
    let variables = [("AWS_ACCESS_KEY_ID", "env-id"), ("AWS_SECRET_ACCESS_KEY", "env-secret"), endpoint];
    // AWS_PROFILE ranks below the credential variables, as in the AWS SDKs...
    let by_variable = env(&home, &[variables[0], variables[1], ("AWS_PROFILE", "work")]);
    assert_eq!(resolve_credentials(&by_variable).unwrap().unwrap().source, "environment");
    // ...and a profile named by the caller (a command line's --profile) above them and the file.
    let environment = env(&home, &variables);
    let config = ConfigBuilder::from_environment_with_profile(&environment, "work").unwrap().build().unwrap();
    let shown = format!("{config:?}");
    assert!(shown.contains("profile `work`") && !shown.contains("work-secret"), "{shown}");
    let without_variables = ConfigBuilder::from_environment_with_profile(&env(&home, &[endpoint]), "work").unwrap().build().unwrap();
    assert!(format!("{without_variables:?}").contains("profile `work`"));
    let error = ConfigBuilder::from_environment_with_profile(&environment, "nope").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credentials);
    assert!(error.to_string().contains("profile `nope` given"), "{error}");
}

#[test]
fn debug_output_never_shows_secrets() {
    let home = TempDir::new("creds-redact");
    home.write(".bluemix/cos_credentials", SERVICE_CREDENTIAL);
    let environment = env(&home, &[("AWS_SECRET_ACCESS_KEY", "env-var-secret"), ("AWS_ACCESS_KEY_ID", "env-id"), ("AWS_SESSION_TOKEN", "env-session")]);
    let found = resolve_credentials(&environment).unwrap().unwrap();
    let builder = ConfigBuilder::from_environment(&environment).unwrap().endpoint_url("https://s3.example");
    let config = builder.clone().build().unwrap();
    let client = cos_sdk::Client::new(&config).unwrap();
    let file_found = resolve_credentials(&env(&home, &[])).unwrap().unwrap();
    let api = Config::builder()
        .location("us-south")
        .credentials(Credentials::api_key("the-api-key-secret"))
        .build()
        .unwrap();
    let text = format!(
        "{found:?} {builder:?} {config:?} {client:?} {environment:?} {file_found:?} {api:?} {:?} {:?}",
        Credentials::bearer_token("bearer-secret"),
        cos_sdk::AccessToken::new("access-secret", None)
    );
    for secret in ["env-var-secret", "env-session", "file-hmac-secret", "the-api-key-secret", "bearer-secret", "access-secret"] {
        assert!(!text.contains(secret), "`{secret}` leaked in {text}");
    }
    assert!(text.contains("env-id") && text.contains("redacted"), "{text}");
}
