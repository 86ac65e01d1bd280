// The oracle for the streaming API body reader: the whole body read as a document (nlohmann's DOM,
// numbers kept as their text), then its records walked, as salesproc read bodies before part 12.
// Tests and the fuzzer compare the two.
#pragma once

#include "salesproc/api/api_records.hpp"

namespace salesproc::testing {

// As parse_api_records, but from a document of the whole body. `duplicate_keys`, when given, says
// whether some object repeats a key (the two readers treat a repeated rule field differently).
result<api_records> document_api_records(std::string_view body, const rules& r,
                                         const std::string& context,
                                         const reject_options& rejects = {},
                                         const body_layout& layout = {},
                                         bool* duplicate_keys = nullptr);

}  // namespace salesproc::testing
