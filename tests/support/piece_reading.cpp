#include "support/piece_reading.hpp"

#include <optional>

namespace salesproc::testing {

result<api_records> read_in_pieces(std::string_view body, api_format format, const rules& r,
                                   const body_options& options, std::size_t piece_size,
                                   std::size_t feed, std::size_t* pieces) {
    const std::string context = "u";
    // Buffers go back and are used again, as on the pool.
    const auto buffers = std::make_shared<piece_buffers>(2, piece_size);
    body_cutter cutter(format, options, piece_size, buffers);
    api_records total;
    total.rejects.reset(options.rejects);
    std::optional<error> failed;
    const auto add = [&](body_piece p) {
        if (pieces != nullptr) ++*pieces;
        if (failed) return;
        auto got = read_piece(p, format, r, options, context);
        buffers->give(std::move(p.bytes));
        if (!got) {
            failed = got.error();
            return;
        }
        if (auto ok = add_piece(total, std::move(*got), options, context); !ok) failed = ok.error();
    };
    std::optional<body_records> stream;
    for (std::size_t at = 0; at < body.size(); at += feed) {
        const std::string_view bytes = body.substr(at, feed);
        if (stream) {
            if (auto ok = stream->feed(bytes); !ok) return ok.error();
            continue;
        }
        cutter.feed(bytes, add);
        if (failed) return *failed;
        if (!cutter.streaming()) continue;
        body_piece rest = cutter.take_rest();
        stream.emplace(format, r, options, context, rest.origin);
        stream->go_on_from(std::move(total));
        if (auto ok = stream->feed(rest.bytes); !ok) return ok.error();
    }
    if (stream) {
        if (auto ok = stream->finish(); !ok) return ok.error();
        return std::move(stream->records());
    }
    add(cutter.finish());
    if (failed) return *failed;
    return total;
}

}  // namespace salesproc::testing
