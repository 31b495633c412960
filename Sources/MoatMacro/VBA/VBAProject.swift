/// A VBA project found in a compound file, with its modules' source where it could be read.
public struct VBAProject: Sendable, Hashable {
    /// One module and its decompressed source (empty when unreadable).
    public struct Module: Sendable, Hashable {
        public var name: String
        public var source: String
    }

    /// Path of the project root storage (empty: the compound file's root, as in `vbaProject.bin`).
    public var rootPath: [String]
    public var modules: [Module]
    /// Problems met while reading source (the project is still reported).
    public var problems: [String]

    /// Every VBA project in `file`: a storage `VBA` holding `dir` and `_VBA_PROJECT`.
    ///
    /// This is olevba's structural test, so a project with unreadable source still counts.
    public static func find(in file: CompoundFile) throws(CompoundFileError) -> [VBAProject] {
        var projects: [VBAProject] = []
        for (path, id) in try file.tree() where file.entries[id].isStorage && path.last?.uppercased() == "VBA" {
            guard let dirID = try file.child(of: id, named: "dir"),
                  try file.child(of: id, named: "_VBA_PROJECT") != nil else { continue }
            var project = VBAProject(rootPath: Array(path.dropLast()), modules: [], problems: [])
            do {
                let compressed = try file.stream(dirID)
                let dir = try VBADirectory(decompressed: VBACompression.decompress(compressed[...]))
                for module in dir.modules {
                    guard let sid = try file.child(of: id, named: module.streamName), file.entries[sid].isStream else {
                        project.problems.append("module stream \(module.streamName) missing")
                        project.modules.append(Module(name: module.name, source: ""))
                        continue
                    }
                    let bytes = try file.stream(sid)
                    var source = ""
                    if module.textOffset <= bytes.count {
                        do {
                            source = VBADirectory.text(try VBACompression.decompress(bytes[module.textOffset...])[...])
                        } catch {
                            project.problems.append("module \(module.name): \(error)")
                        }
                    } else {
                        project.problems.append("module \(module.name): source offset past the stream")
                    }
                    project.modules.append(Module(name: module.name, source: source))
                }
            } catch let error as CompoundFileError {
                throw error
            } catch {
                project.problems.append("dir stream: \(error)")
            }
            projects.append(project)
        }
        return projects
    }
}
