// merge's readers, which take files from anywhere: the report reader (read_report) and the
// rejects reader (for_each_reject, renumber_reject). The first byte picks the reader; the rest is
// the file. Oracles: no crash, no exception, no undefined behaviour (ASan, UBSan); a report that
// reads has as many products as were visited; a renumbered record is the record with its line
// moved by exactly the offset, or the record itself when its source is not the shard's.
#include "fuzz_support.hpp"
#include "salesproc/merge/detail/merge_rejects.hpp"
#include "salesproc/merge/report_reader.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace {
using namespace salesproc;

void fuzz_report(std::string_view text) {
    const int fd = memfd_create("fuzz.json", 0);
    FUZZ_CHECK(fd >= 0);
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        FUZZ_CHECK(n > 0);
        done += static_cast<std::size_t>(n);
    }
    std::size_t visited = 0;
    const auto part = read_report("/proc/self/fd/" + std::to_string(fd),
                                  [&](std::string_view, std::string_view, std::string_view) {
                                      ++visited;
                                      return result<void>();
                                  });
    close(fd);
    if (part) FUZZ_CHECK(part->products == visited);
}

void fuzz_rejects(std::string_view text, rejects_format format) {
    const std::string shard = "fuzz.csv";
    constexpr std::uint64_t offset = 1000;
    std::istringstream in{std::string(text)};
    (void)detail::for_each_reject(in, format, "fuzz.rej", [&](std::string_view record) {
        const auto same = detail::renumber_reject(record, format, nullptr, 0, "fuzz.rej");
        const auto moved = detail::renumber_reject(record, format, &shard, offset, "fuzz.rej");
        FUZZ_CHECK(same.has_value() == moved.has_value());
        if (!same) return result<void>(same.error());
        FUZZ_CHECK(*same == record);
        if (*moved == record) return result<void>();
        // Exactly one number changed, by the offset: the record's bytes agree up to it.
        std::size_t at = 0;
        while (at < record.size() && record[at] == (*moved)[at])
            ++at;
        while (at > 0 && record[at - 1] >= '0' && record[at - 1] <= '9')
            --at;
        std::uint64_t before = 0;
        std::uint64_t after = 0;
        const auto a = std::from_chars(record.data() + at, record.data() + record.size(), before);
        const auto b = std::from_chars(moved->data() + at, moved->data() + moved->size(), after);
        FUZZ_CHECK(a.ec == std::errc() && b.ec == std::errc());
        FUZZ_CHECK(after == before + offset);
        const std::string_view moved_text(*moved);
        FUZZ_CHECK(record.substr(static_cast<std::size_t>(a.ptr - record.data())) ==
                   moved_text.substr(static_cast<std::size_t>(b.ptr - moved->data())));
        return result<void>();
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
        case 0:
            fuzz_report(rest);
            break;
        case 1:
            fuzz_rejects(rest, rejects_format::csv);
            break;
        default:
            fuzz_rejects(rest, rejects_format::jsonl);
            break;
    }
    return 0;
}
