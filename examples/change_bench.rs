//! How long one change summary takes: `cargo run --release --example change_bench [PARAGRAPHS]`.
//!
//! A synthetic article of PARAGRAPHS Vietnamese paragraphs (default 30, about 9,000 characters) with three
//! kinds of edit (one letter, one number, one added sentence), each summarised many times; prints the mean.

use std::time::Instant;

use presswatch::change::summarize;

fn main() {
    let paras: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let base: Vec<String> = (0..paras)
        .map(|i| {
            format!(
                "Đoạn {i}: theo ban quản lý dự án, công tác giải phóng mặt bằng đã hoàn thành hơn {}% diện tích. Các hộ dân bị ảnh hưởng được bố trí tái định cư tại các khu đô thị mới gần tuyến đường, với tổng mức đầu tư khoảng {}.800 tỷ đồng.",
                50 + i % 50,
                80 + i
            )
        })
        .collect();
    let old = base.join("\n");
    let mid = paras / 2;
    let edits: [(&str, String); 3] = [
        ("typo", old.replacen("giải phóng mặt bằng", "giải phóng mặt bằg", 1)),
        ("number", old.replacen(&format!("{}.800 tỷ", 80 + mid), &format!("{}.900 tỷ", 80 + mid), 1)),
        ("sentence", {
            let mut p = base.clone();
            p[mid].push_str(" Gói thầu đầu tiên do liên danh ba doanh nghiệp trong nước thực hiện.");
            p.join("\n")
        }),
    ];
    println!("article: {paras} paragraphs, {} characters", old.chars().count());
    for (name, new) in &edits {
        let runs = 200;
        let started = Instant::now();
        let mut sig = None;
        for _ in 0..runs {
            sig = Some(summarize("Tiêu đề", &old, "Tiêu đề", new).significance);
        }
        let mean = started.elapsed() / runs;
        println!("{name:<9} {:>8.2} ms per summary  ({:?})", mean.as_secs_f64() * 1000.0, sig.unwrap());
    }
}
