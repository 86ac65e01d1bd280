// The front of the CSV's remote inputs: S3 settings and credentials (resolved once, at the
// first s3:// input), listings, and each object's transfer (http/object_reader.hpp).
#include "salesproc/http/remote_objects.hpp"

#include "http/object_reader.hpp"
#include "http/object_writer.hpp"
#include "http/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

namespace salesproc {
namespace asio = boost::asio;
using http_detail::remote_context;
using http_detail::remote_target;
using http_detail::request_plan;
using http_detail::status_failure;

namespace {

// Bytes of an object that may wait for the CSV strand: enough to ride out a slow chunk, small
// beside the chunks in flight.
constexpr std::size_t queue_limit = std::size_t{4} << 20;
constexpr std::size_t max_listing_page = std::size_t{16} << 20;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

status_failure plain_status(const http_detail::response& head, std::string_view) {
    return {"HTTP " + std::to_string(head.status) + " " + head.reason, false};
}

}  // namespace

struct remote_objects::impl {
    impl(std::shared_ptr<remote_context> c, s3_flags f) : ctx(std::move(c)), flags(f) {}

    result<s3_config> s3();
    result<s3_config> resolve_s3();
    result<std::vector<std::string>> expand(const std::string& input);
    result<std::unique_ptr<remote_stream>> open(const std::string& url,
                                                std::optional<remote_range> range);
    static remote_target s3_target(const s3_config& c, std::string shown,
                                   std::function<s3_request(std::int64_t)> make);

    std::shared_ptr<remote_context> ctx;
    s3_flags flags;
    std::mutex mu;
    std::optional<result<s3_config>> s3_config_;
};

remote_target remote_objects::impl::s3_target(const s3_config& c, std::string shown,
                                              std::function<s3_request(std::int64_t)> make) {
    remote_target t;
    t.shown = std::move(shown);
    t.plan = [make = std::move(make)] {
        s3_request r = make(now_seconds());
        return request_plan{std::move(r.url), std::move(r.fields)};
    };
    t.describe = [c](const http_detail::response& head, std::string_view body) {
        const s3_failure f =
            describe_s3_error(head.status, head.reason, body, head.bucket_region, c);
        return status_failure{f.message, f.transient};
    };
    return t;
}

result<s3_config> remote_objects::impl::s3() {
    std::lock_guard lock(mu);
    if (!s3_config_) s3_config_ = resolve_s3();
    return *s3_config_;
}

// The chain, then the one request a web identity or a container needs.
result<s3_config> remote_objects::impl::resolve_s3() {
    auto r = resolve_aws(process_environment(), flags);
    if (!r) return r.error();
    if (r->waiting == aws_resolution::pending::none) return r->config;
    remote_target t;
    t.describe = plain_status;
    const bool web = r->waiting == aws_resolution::pending::web_identity;
    const http_url url = web ? web_identity_request(*r) : *r->container_uri;
    t.shown = url.redacted;
    http_detail::header_fields fields;
    if (!web && !r->container_token.empty())
        fields.emplace_back("Authorization", r->container_token);
    t.plan = [url, fields] { return request_plan{url, fields}; };
    const std::string source =
        web ? "web identity (role " + r->role_arn + ")" : std::string("the container endpoint");
    auto failed = [&source](const error& e) {
        return error{e.code, "", "getting credentials from " + source + " failed: " + e.message()};
    };
    auto body =
        http_detail::block_on(ctx->ex, http_detail::fetch_small(*ctx, t, std::size_t{1} << 20));
    if (!body) return failed(body.error());
    auto creds =
        web ? parse_sts_credentials(*body, source) : parse_container_credentials(*body, source);
    if (!creds) return failed(creds.error());
    r->config.credentials = std::move(*creds);
    return r->config;
}

result<std::vector<std::string>> remote_objects::impl::expand(const std::string& input) {
    if (!is_s3_url(input)) return std::vector<std::string>{input};
    auto u = parse_s3_url(input);
    if (!u) return u.error();
    if (!is_listing(*u)) return std::vector<std::string>{input};
    auto c = s3();
    if (!c) return error{c.error().code, input, c.error().reason};
    const std::string prefix = list_prefix(*u);
    std::vector<std::string> keys;
    std::uint64_t listed = 0;
    std::string token;
    do {
        const remote_target t = s3_target(*c, input, [c = *c, u = *u, prefix, token](auto when) {
            return list_request(c, u.bucket, prefix, token, when);
        });
        auto body =
            http_detail::block_on(ctx->ex, http_detail::fetch_small(*ctx, t, max_listing_page));
        if (!body) return body.error();
        auto page = parse_list_page(*body);
        if (!page) return error{page.error().code, input, page.error().reason};
        for (auto& o : page->objects)
            if (listing_matches(*u, o.key)) keys.push_back(std::move(o.key));
        listed += page->objects.size();
        token = page->truncated ? page->next_token : std::string();
    } while (!token.empty());
    if (keys.empty())
        return make_error(errc::no_match, input,
                          "no object matches (" + std::to_string(listed) +
                              " keys listed under the prefix '" + prefix + "')");
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> out;
    out.reserve(keys.size());
    for (const auto& k : keys)
        out.push_back(s3_url{u->bucket, k}.text());
    return out;
}

result<std::unique_ptr<remote_stream>> remote_objects::impl::open(
    const std::string& url, std::optional<remote_range> range) {
    if (is_s3_url(url)) {
        auto u = parse_s3_url(url);
        if (!u) return u.error();
        auto c = s3();
        if (!c) return error{c.error().code, url, c.error().reason};
        return http_detail::start_object(
            ctx,
            s3_target(*c, url,
                      [c = *c, u = *u](auto when) { return object_request(c, u, "GET", when); }),
            queue_limit, std::move(range));
    }
    auto parsed = parse_http_url(url);
    if (!parsed) return parsed.error();
    remote_target t;
    t.shown = display_url(url);
    t.plan = [p = *parsed] { return request_plan{p, {}}; };
    t.describe = plain_status;
    return http_detail::start_object(ctx, std::move(t), queue_limit, std::move(range));
}

remote_objects::remote_objects(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
remote_objects::~remote_objects() = default;

result<std::unique_ptr<remote_objects>> remote_objects::create(asio::any_io_executor ex,
                                                               fetch_settings settings,
                                                               s3_flags flags) {
    // Objects are CSV inputs of any size; --header and --max-body are the API's.
    settings.max_body = std::numeric_limits<std::uint64_t>::max();
    settings.headers.clear();
    if (!settings.uniform) settings.uniform = http_detail::seeded_uniform();
    auto tls = http_detail::make_tls_context(settings);
    if (!tls) return tls.error();
    auto proxies = proxy_config::parse(settings.proxy);
    if (!proxies) return proxies.error();
    auto ctx = std::make_shared<remote_context>(std::move(ex), std::move(settings), std::move(*tls),
                                                std::move(*proxies));
    return std::unique_ptr<remote_objects>(
        new remote_objects(std::make_shared<impl>(std::move(ctx), flags)));
}

// The functions hold the client weakly: a job that outlives the run's io_context must not keep
// its sockets alive past it.
remote_access remote_objects::access() {
    const std::weak_ptr<impl> w = impl_;
    auto gone = [](const std::string& what) {
        return make_error(errc::interrupted, what, "the run is over");
    };
    return {[w, gone](const std::string& input) -> result<std::vector<std::string>> {
                auto p = w.lock();
                if (!p) return gone(input);
                return p->expand(input);
            },
            [w, gone](const std::string& url) -> result<std::unique_ptr<remote_stream>> {
                auto p = w.lock();
                if (!p) return gone(url);
                return p->open(url, std::nullopt);
            },
            [w, gone](const std::string& url,
                      const remote_range& range) -> result<std::unique_ptr<remote_stream>> {
                auto p = w.lock();
                if (!p) return gone(url);
                return p->open(url, range);
            }};
}

result<std::unique_ptr<remote_output>> remote_objects::open_output(const std::string& url) {
    auto u = parse_s3_url(url);
    if (!u) return u.error();
    if (is_listing(*u))
        return make_error(errc::invalid_argument, url,
                          "an output is one object: its key may not end in '/' or hold a glob");
    auto c = impl_->s3();
    if (!c) return error{c.error().code, url, c.error().reason};
    auto target = [c = *c, u = *u, url](std::string method, query_list query) {
        return impl::s3_target(
            c, url,
            [c, u, method = std::move(method), query = std::move(query)](std::int64_t when) {
                return object_request(c, u, method, when, query);
            });
    };
    return http_detail::make_object_output(impl_->ctx, url, std::move(target));
}

struct output_objects::host {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::unique_ptr<remote_objects> objects;
    std::thread thread;
    // The thread stops first: the client's sockets and pool then go on this thread, with
    // nothing running on them (every output using it is gone by now).
    ~host() {
        work.reset();
        io.stop();
        if (thread.joinable()) thread.join();
        objects.reset();
    }
};

output_objects::output_objects(std::unique_ptr<host> h) : host_(std::move(h)) {}
output_objects::~output_objects() = default;

result<std::unique_ptr<output_objects>> output_objects::create(fetch_settings settings,
                                                               s3_flags flags) {
    auto h = std::make_unique<host>();
    auto objects = remote_objects::create(h->io.get_executor(), std::move(settings), flags);
    if (!objects) return objects.error();
    h->objects = std::move(*objects);
    h->thread = std::thread([io = &h->io] { io->run(); });
    return std::unique_ptr<output_objects>(new output_objects(std::move(h)));
}

result<std::unique_ptr<remote_output>> output_objects::open(const std::string& url) {
    return host_->objects->open_output(url);
}

result<std::vector<std::string>> output_objects::expand(const std::string& url) {
    return host_->objects->access().expand(url);
}

result<std::unique_ptr<remote_stream>> output_objects::stream(const std::string& url) {
    return host_->objects->access().open(url);
}

result<std::string> output_objects::read(const std::string& url) {
    auto stream = host_->objects->access().open(url);
    if (!stream) return stream.error();
    std::string text;
    std::string block(std::size_t{1} << 16, '\0');
    for (;;) {
        auto got = (*stream)->read(block.data(), block.size());
        if (!got) return got.error();
        if (*got == 0) return text;
        text.append(block, 0, *got);
    }
}

result<output_objects*> output_opener::objects() {
    if (!objects_) {
        auto made = output_objects::create(settings_, flags_);
        if (!made) return made.error();
        objects_ = std::move(*made);
    }
    return objects_.get();
}

result<atomic_output> output_opener::open(const std::string& path) {
    if (!is_remote_output(path)) return atomic_output::prepare(path);
    auto client = objects();
    if (!client) return client.error();
    auto object = (*client)->open(path);
    if (!object) return object.error();
    return atomic_output::remote(path, std::move(*object));
}

void remote_objects::cancel(std::string reason) {
    impl_->ctx->stop.request(std::move(reason));
    http_detail::cancel_transfers(*impl_->ctx);
}

bool any_remote(const std::vector<std::string>& paths) {
    return std::any_of(paths.begin(), paths.end(),
                       [](const std::string& p) { return is_remote_input(p); });
}

}  // namespace salesproc
