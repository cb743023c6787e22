//! Uploading and downloading a file with the transfer manager, printing progress as it goes.
//!
//! Runs against the service the environment names (see the `pagination` example). It writes a 24 MiB
//! file to the temporary directory, uploads it in parts, downloads it again, compares, and cleans up.
//!
//! `cargo run -p cos-sdk --example transfer_progress`

use cos_sdk::transfer::{ProgressEvent, ProgressListener, TransferManager};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-transfer-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;

    let dir = std::env::temp_dir().join(format!("cos-sdk-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| cos_sdk::Error::new(cos_sdk::ErrorKind::Io, e.to_string()))?;
    let source = dir.join("data.bin");
    let data: Vec<u8> = (0..24u32 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(&source, &data).map_err(|e| cos_sdk::Error::new(cos_sdk::ErrorKind::Io, e.to_string()))?;

    // A listener is a function called with each event; this one prints each part and the end (byte
    // events come at least every MiB, too many to print here).
    let printer = ProgressListener::new(|p| {
        if matches!(p.event, ProgressEvent::PartDone { .. } | ProgressEvent::Completed) {
            println!("  {:?}: {} of {:?} bytes", p.event, p.bytes_done, p.total);
        }
    });
    let manager = TransferManager::new(client.clone());
    println!("upload:");
    let up = manager.upload_file(&source, &bucket, "data.bin").on_progress(printer.clone()).await?;
    println!("uploaded {} bytes in {} parts", up.size, up.parts);
    println!("download:");
    let target = dir.join("back.bin");
    manager.download_file(&bucket, "data.bin", &target).on_progress(printer).await?;
    let same = std::fs::read(&target).map(|back| back == data).unwrap_or(false);
    println!("the download matches the upload: {same}");

    client.delete_object().bucket(&bucket).key("data.bin").send().await?;
    client.delete_bucket().bucket(&bucket).send().await?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("transfer_progress example: done");
    if same {
        Ok(())
    } else {
        Err(cos_sdk::Error::new(cos_sdk::ErrorKind::Integrity, "the downloaded file differs from the uploaded one"))
    }
}
