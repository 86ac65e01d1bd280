// Where merge reads its parts from: files, s3:// objects, or s3:// prefixes and globs, whose
// parts are put in the order of what they hold (the input's path, then the shard index), not of
// their keys. Internal to salesproc_core.
#pragma once

#include "salesproc/http/remote_objects.hpp"
#include "salesproc/merge/detail/merge_rejects.hpp"
#include "salesproc/merge/report_reader.hpp"

#include <map>
#include <string>
#include <vector>

namespace salesproc {

struct part_sources {
    std::vector<std::string> paths;              // in merge order
    text_loader load;                            // files from disk, objects from the bucket
    detail::rejects_opener open_rejects;         // the same for --part-rejects
    std::map<std::string, std::string> fetched;  // texts read to be ordered, until loaded
    bool listed = false;                         // some parts came from a listing
};

// Errors name the URL: no credentials, a listing that matches nothing, an unreadable object.
result<void> resolve_parts(const std::vector<std::string>& given, output_opener& opener,
                           part_sources& out);

// Lets out.open_rejects read the parts' rejects `files` when some are s3:// objects (files alone
// need no opener). Errors: no credentials.
result<void> prepare_rejects(const std::vector<std::string>& files, output_opener& opener,
                             part_sources& out);

}  // namespace salesproc
