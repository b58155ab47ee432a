#[cfg(target_os = "hermit")]
use hermit as _;

fn main() {
    println!("Hello, world!");
}
