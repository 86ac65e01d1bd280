#include "run/open_input.hpp"

#include "salesproc/api/s3.hpp"

#include <algorithm>
#include <functional>

namespace salesproc {

namespace {

// Cuts and parses the header of in.source: for shard K > 0, the one read from the file's start
// (`shard_header`, with the sep= line `sep` there).
result<void> read_header(const csv_job& job, opened_input& in,
                         std::optional<result<std::string>> shard_header, std::optional<char> sep) {
    in.source->set_encoding(job.encoding);
    in.cutter.emplace(*in.source,
                      chunker_options{job.chunk_size, job.max_row_size, job.skip_lines});
    auto header =
        job.shard && job.shard->index != 0 ? std::move(*shard_header) : in.cutter->read_header();
    if (!header) return prefer_stream_error(*in.source, header.error());
    if (!sep) sep = in.cutter->sep_delimiter();
    in.rule_set = job.rule_set;
    if (sep && !job.delimiter_given) in.rule_set.delimiter = *sep;
    auto layout = parse_header(*header, in.rule_set, in.source->name());
    if (!layout) return prefer_stream_error(*in.source, layout.error());
    in.layout = *layout;
    in.layout.max_row_size = job.max_row_size;
    return {};
}

// Reads the header of a remote input: an s3:// object or an http(s):// URL.
result<void> open_remote(const csv_job& job, opened_input& in) {
    const std::string& url = job.locator.empty() ? job.path : job.locator;
    if (!job.remote.open)
        return make_error(errc::invalid_argument, job.path, "remote inputs are not enabled here");
    auto stream = job.remote.open(url);
    if (!stream) return stream.error();
    auto source = byte_source::open_remote(std::move(*stream), job.path);
    if (!source) return source.error();
    in.source.emplace(std::move(*source));
    return read_header(job, in, std::nullopt, std::nullopt);
}

// Positional reads of one remote object, as plan_shard asks for them: each a ranged GET with
// If-Match, of at least `window` bytes, so that its small reads (a byte before the range, then
// blocks up to the first boundary) cost one round trip, not one each.
class ranged_reader {
  public:
    ranged_reader(const csv_job& job, const std::string& url, std::string etag, std::uint64_t size)
        : job_(job), url_(url), etag_(std::move(etag)), size_(size) {}

    result<std::string> operator()(std::uint64_t offset, std::size_t n) {
        if (offset >= size_) return std::string();
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
        if (offset < cached_at_ || offset + n > cached_at_ + cache_.size()) {
            const std::uint64_t end = std::min<std::uint64_t>(size_, offset + std::max(n, window));
            auto stream = job_.remote.open_range(url_, remote_range{offset, end, etag_});
            if (!stream) return stream.error();
            cache_.assign(static_cast<std::size_t>(end - offset), '\0');
            std::size_t got = 0;
            while (got < cache_.size()) {
                auto r = (*stream)->read(cache_.data() + got, cache_.size() - got);
                if (!r) return r.error();
                if (*r == 0) break;
                got += *r;
            }
            cache_.resize(got);
            cached_at_ = offset;
        }
        const auto from = static_cast<std::size_t>(offset - cached_at_);
        return cache_.substr(from, std::min(n, cache_.size() - std::min(from, cache_.size())));
    }

  private:
    static constexpr std::size_t window = std::size_t{256} << 10;
    const csv_job& job_;
    const std::string& url_;
    std::string etag_;
    std::uint64_t size_;
    std::uint64_t cached_at_ = 0;
    std::string cache_;
};

// A shard of a remote object: its header from a ranged read of the start (which gives the
// object's size and ETag, and shows that the server serves ranges), the plan from ranged reads,
// then the shard's bytes; every request after the first carries If-Match with that ETag.
result<void> open_remote_shard(const csv_job& job, opened_input& in) {
    const std::string& url = job.locator.empty() ? job.path : job.locator;
    if (!job.remote.open_range)
        return make_error(errc::invalid_argument, job.path, "remote inputs are not enabled here");
    auto first = job.remote.open_range(url, remote_range{});
    if (!first) return first.error();
    auto head = byte_source::open_remote(std::move(*first), job.path);
    if (!head) return head.error();
    if (head->compression() != detail::compression::none)
        return make_error(errc::invalid_argument, job.path,
                          "--shard needs an uncompressed object: a compressed stream cannot be "
                          "entered in the middle");
    chunker cutter(*head, chunker_options{std::size_t{64} << 10, job.max_row_size, job.skip_lines});
    auto header = cutter.read_header();
    if (!header) return prefer_stream_error(*head, header.error());
    if (head->transcoded())
        return make_error(errc::invalid_argument, job.path,
                          "--shard needs a UTF-8 object: a UTF-16 or UTF-32 one cannot be "
                          "entered in the middle");
    const remote_state st = head->remote().value_or(remote_state{});
    if (st.etag.empty() || !st.size)
        return make_error(errc::bad_response, job.path,
                          "--shard needs the object's ETag and size, to be sure that every shard "
                          "reads the same object, and the server sent no ETag");
    ranged_reader read(job, url, st.etag, *st.size);
    auto source = byte_source::open_remote_shard(
        job.path, *job.shard, *st.size, cutter.consumed(), std::ref(read),
        [&](std::uint64_t begin) {
            return job.remote.open_range(url, remote_range{begin, std::nullopt, st.etag});
        });
    if (!source) return source.error();
    in.source.emplace(std::move(*source));
    return read_header(job, in, std::move(header), cutter.sep_delimiter());
}

}  // namespace

// Opens job.path (or its shard: the header is read from the file's start, then only the shard's
// rows; see shard.hpp) and parses the header.
result<void> open_input(const csv_job& job, opened_input& in) {
    if (is_remote_input(job.locator.empty() ? job.path : job.locator))
        return job.shard ? open_remote_shard(job, in) : open_remote(job, in);
    std::optional<result<std::string>> shard_header;
    std::uint64_t header_end = 0;
    std::optional<char> sep;
    if (job.shard) {
        auto head = byte_source::open(job.path);
        if (!head) return head.error();
        chunker header_cutter(
            *head, chunker_options{std::size_t{64} << 10, job.max_row_size, job.skip_lines});
        shard_header = header_cutter.read_header();
        if (!*shard_header) return shard_header->error();
        header_end = header_cutter.consumed();
        sep = header_cutter.sep_delimiter();
    }
    auto source = job.shard ? byte_source::open_shard(job.path, *job.shard, header_end)
                            : byte_source::open(job.path);
    if (!source) return source.error();
    in.source.emplace(std::move(*source));
    return read_header(job, in, std::move(shard_header), sep);
}

// The inputs in order, each s3:// listing replaced by its objects in key order.
result<std::vector<std::string>> expand_inputs(const csv_job& job,
                                               const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) {
        if (!is_s3_url(p) || !job.remote.expand) {
            out.push_back(p);
            continue;
        }
        auto objects = job.remote.expand(p);
        if (!objects) return objects.error();
        out.insert(out.end(), objects->begin(), objects->end());
    }
    return out;
}

void remote_prefetch::advance() {
    const std::size_t end = std::min(inputs_.size(), next_ + 1 + depth_);
    for (; opened_ < end; ++opened_) {
        const std::string& url = inputs_[opened_];
        if (!is_remote_input(url) || !access_.open) continue;
        ready_.emplace_back(url, access_.open(url));
    }
    ++next_;
}

result<std::unique_ptr<remote_stream>> remote_prefetch::take(const std::string& url) {
    for (auto it = ready_.begin(); it != ready_.end(); ++it) {
        if (it->first != url) continue;
        auto stream = std::move(it->second);
        ready_.erase(it);
        return stream;
    }
    if (!access_.open) return make_error(errc::invalid_argument, url, "remote inputs are off");
    return access_.open(url);
}

}  // namespace salesproc
