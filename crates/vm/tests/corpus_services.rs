//! Real JAM services (standard programs) start with the standard initialisation and run
//! until their first host call.

use std::path::{Path, PathBuf};

use testkit::corpora;

use gannet_vm::{Config, Engine, ExitReason, Instance, Module, ProgramImage, Reg};
use isa::blob::StandardProgram;
use isa::InstructionSet;

fn service_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["jam-service-blobs/jamduna", "jam-service-blobs/w3f-jamtestvectors"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pvm" || e == "jam") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn services_run_to_their_first_host_call() {
    let Some(root) = corpora() else { return };
    let engine = Engine::new(&Config::new()).unwrap();
    let files = service_files(&root);
    assert_eq!(files.len(), 16);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let program = StandardProgram::parse_any(&bytes).unwrap();
        for entry in [0u32, 5] {
            // Entry 5 (accumulate) exists only in services that have it.
            if entry == 5 && !program.code.view(InstructionSet::Gp072).is_jump_target_valid(5) {
                continue;
            }
            let image = ProgramImage::from_standard(&program, InstructionSet::Gp072, &[]).unwrap();
            let module = Module::new(&engine, image).unwrap();
            let mut instance = Instance::new(&module).unwrap();
            assert_eq!(instance.reg(Reg::SP), 0xFEFE_0000);
            assert_eq!(instance.reg(Reg::RA), 0xFFFF_0000);
            instance.set_gas(100_000_000);
            instance.set_next_pc(entry);
            let exit = instance.run();
            let name = path.file_name().unwrap().to_string_lossy();
            eprintln!(
                "{name} @{entry}: {exit:?} at pc {} after {} gas",
                instance.pc(),
                100_000_000 - instance.gas()
            );
            // A sane start executes real code and stops for the host: a host call, or a
            // clean halt/panic after running (empty arguments may be rejected by the service).
            assert!(instance.gas() < 100_000_000, "{name}: no instruction ran");
            assert_ne!(exit, ExitReason::OutOfGas, "{name}: ran away");
            // corevm_child reads its input from a0 as CoreVM passes it, not as the GP argument
            // pointer, and faults (cleanly, state preserved) on the page it derives from it.
            assert!(
                matches!(exit, ExitReason::HostCall(_) | ExitReason::Halt)
                    || (name == "corevm_child.pvm" && exit == ExitReason::PageFault(0xEEFE_E000)),
                "{name}: unexpected exit {exit:?}"
            );
        }
    }
}
