//! Listing a bucket page by page and item by item, without importing a stream trait.
//!
//! Runs against the service the environment names (`COS_ENDPOINT` or `COS_REGION`, and
//! `IBM_API_KEY_ID` or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`); it creates a bucket of its own,
//! writes 25 small objects, lists them, and removes everything again.
//!
//! `cargo run -p cos-sdk --example pagination`

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), cos_sdk::Error> {
    let client = cos_sdk::Client::from_env().await?;
    let bucket = format!("cos-sdk-example-pages-{}", std::process::id());
    client.create_bucket().bucket(&bucket).send().await?;
    for n in 0..25 {
        client.put_object().bucket(&bucket).key(format!("logs/{n:02}.txt")).body("x").send().await?;
    }

    // Pages of 10: `next()` is a method of the stream itself.
    let mut pages = client.list_objects_v2().bucket(&bucket).prefix("logs/").into_paginator().page_size(10).send();
    let mut page_sizes = Vec::new();
    while let Some(page) = pages.next().await {
        page_sizes.push(page?.contents().len());
    }
    println!("pages: {page_sizes:?}");

    // Every item of every page, collected; accessors borrow (`key()` is an `Option<&str>`).
    let objects = client.list_objects_v2().bucket(&bucket).into_paginator().items().try_collect().await?;
    let keys: Vec<&str> = objects.iter().filter_map(|o| o.key()).collect();
    println!("{} keys, first {:?}, last {:?}", keys.len(), keys.first(), keys.last());

    for key in &keys {
        client.delete_object().bucket(&bucket).key(*key).send().await?;
    }
    client.delete_bucket().bucket(&bucket).send().await?;
    println!("pagination example: done");
    Ok(())
}
