// Where a run's results go, as one room of run(): the report and the rejects file, published
// together or discarded together. Internal to salesproc_core; owned by one thread (the
// rejects writer thread is its own).
#pragma once

#include "salesproc/http/remote_objects.hpp"
#include "salesproc/output/atomic_file.hpp"
#include "salesproc/output/rejects.hpp"
#include "salesproc/output/report.hpp"
#include "salesproc/output/write_behind.hpp"
#include "salesproc/run/run.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace salesproc {

// Where a run's results go: the report and, with --rejects, the rejects file, which a thread of
// its own writes behind the reducer. Both stay temp files until publish() makes them visible
// together; every other way out leaves the previous files as they were.
class run_outputs {
  public:
    static result<std::unique_ptr<run_outputs>> prepare(const run_options& o) {
        // An s3:// output's credentials are checked here, before any work.
        auto opener = std::make_unique<output_opener>(o.fetch, o.s3);
        auto open = [&opener](const std::string& path) { return opener->open(path); };
        auto report = open(o.out_path);
        if (!report) return report.error();
        std::optional<result<atomic_output>> rejects;
        if (o.rejects_path) rejects.emplace(open(*o.rejects_path));
        if (rejects && !*rejects) return rejects->error();
        std::unique_ptr<run_outputs> out(new run_outputs(std::move(opener), std::move(*report)));
        for (auto& [flag, path] : o.views.asked()) {
            auto view = out->opener_->open(path);
            if (!view) return view.error();
            out->views_.emplace_back(flag, std::move(*view));
        }
        if (rejects) {
            out->rejects_.emplace(std::move(**rejects));
            out->rejects_->bypass_page_cache();
            // Two 1 MiB buffers in flight keep the writer busy; more only add to peak memory.
            out->writer_.emplace([r = &*out->rejects_](std::string_view b) { return r->write(b); },
                                 2);
        }
        return out;
    }

    // What a reject_log writes to: the writer thread, or nowhere without --rejects.
    reject_log::writer rejects_sink() {
        return [this](detail::byte_buffer& bytes) -> result<void> {
            if (!writer_) {
                bytes.clear();
                return {};
            }
            return writer_->write(bytes);
        };
    }
    // All rejects are handed over: waits for the writer thread, and says whether it failed.
    result<void> close_rejects() { return writer_ ? writer_->close() : result<void>(); }

    // All are written and made durable first; then the rejects file is renamed into place,
    // then the views, then the report: a reader who sees the new report can trust that its
    // rejects and views are there.
    result<void> publish(const report_input& in) {
        if (rejects_)
            if (auto r = rejects_->finish(); !r) return discard_with(r.error());
        if (auto r = write_report(in, [this](std::string_view b) { return report_.write(b); }); !r)
            return discard_with(r.error());
        if (auto r = report_.finish(); !r) return discard_with(r.error());
        if (auto r = write_views(views_, in); !r) return discard_with(r.error());
        if (rejects_)
            if (auto r = rejects_->publish(); !r) return discard_with(r.error());
        for (auto& [flag, view] : views_)
            if (auto r = view.publish(); !r) return discard_with(r.error());
        if (auto r = report_.publish(); !r) return discard_with(r.error());
        return {};
    }

    // A run that failed on an input still tells CI which (the JUnit view alone, `junit`); the
    // report, the rejects and the other views are discarded as on any failure.
    result<void> publish_failed_junit(const std::string& junit) {
        result<void> r;
        for (auto& [flag, view] : views_) {
            if (flag != "--junit") continue;
            r = view.write(junit);
            if (r) r = view.finish();
            if (r) r = view.publish();
        }
        discard();
        return r;
    }

    void discard() {
        report_.discard();
        for (auto& [flag, view] : views_)
            view.discard();
        if (writer_) (void)writer_->close();
        if (rejects_) rejects_->discard();
    }
    // For a process about to exit on a signal while other threads may still write: only the
    // temp files go.
    void remove_temps() {
        report_.discard();
        for (auto& [flag, view] : views_)
            view.discard();
        if (rejects_) rejects_->remove_temp();
    }

  private:
    run_outputs(std::unique_ptr<output_opener> opener, atomic_output report)
        : opener_(std::move(opener)), report_(std::move(report)) {}
    error discard_with(error e) {
        discard();
        return e;
    }

    std::unique_ptr<output_opener> opener_;  // s3:// outputs' client: outlives them
    atomic_output report_;
    view_outputs views_;
    std::optional<atomic_output> rejects_;
    std::optional<write_behind> writer_;  // declared after rejects_: stops before it goes
};

}  // namespace salesproc
