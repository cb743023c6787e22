//! The same work through cos-sdk, written as a user would: the fluent API, `ByteStream::from_path`,
//! `write_to_file`, and the transfer manager with CRC32C part checksums.

use std::path::Path;

use bytes::Bytes;
use cos_sdk::transfer::{TransferConfig, TransferManager};
use cos_sdk::types::ChecksumAlgorithm;
use cos_sdk::{ByteStream, Client, Config, Credentials};

use crate::{PARTS_IN_FLIGHT, PART_SIZE};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub struct Sdk {
    client: Client,
    manager: TransferManager,
}

impl Sdk {
    pub fn new(base: &str, access_key: &str, secret_key: &str) -> Result<Sdk, Error> {
        let config = Config::builder().endpoint_url(base).credentials(Credentials::hmac(access_key, secret_key)).build()?;
        let client = Client::new(&config)?;
        let transfers = TransferConfig::builder()
            .part_size(PART_SIZE)
            .max_concurrency(PARTS_IN_FLIGHT)
            .checksum_algorithm(ChecksumAlgorithm::Crc32c)
            .build()?;
        let manager = TransferManager::with_config(client.clone(), transfers);
        Ok(Sdk { client, manager })
    }

    pub async fn put_get(&self, key: &str, data: &Bytes) -> Result<(), Error> {
        self.client.put_object().bucket("bench").key(key).body(ByteStream::from(data.clone())).send().await?;
        let got = self.client.get_object().bucket("bench").key(key).send().await?.body.collect().await?;
        if got.len() != data.len() {
            return Err("the GET answered the wrong size".into());
        }
        Ok(())
    }

    pub async fn list(&self) -> Result<usize, Error> {
        let output = self.client.list_objects_v2().bucket("bench").send().await?;
        if output.contents().iter().any(|o| o.key().is_none() || o.e_tag().is_none() || o.last_modified().is_none()) {
            return Err("an entry lacks a field".into());
        }
        Ok(output.contents().len())
    }

    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), Error> {
        let body = ByteStream::from_path(path).await?;
        self.client.put_object().bucket("bench").key(key).body(body).send().await?;
        Ok(())
    }

    pub async fn upload_file(&self, key: &str, path: &Path) -> Result<(), Error> {
        self.manager.upload_file(path, "bench", key).await?;
        Ok(())
    }

    pub async fn get_file(&self, key: &str, path: &Path) -> Result<u64, Error> {
        let object = self.client.get_object().bucket("bench").key(key).send().await?;
        Ok(object.body.write_to_file(path).await?)
    }

    pub async fn download_file(&self, key: &str, path: &Path) -> Result<(), Error> {
        self.manager.download_file("bench", key, path).await?;
        Ok(())
    }
}
