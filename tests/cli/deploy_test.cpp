// The deploy/ recipes kept honest: the GNU parallel recipe runs for real on a generated file
// whose shard boundaries fall inside quoted line breaks, for N = 1..8 and with a deliberately
// wrong start, and equals one run byte for byte (timing fields aside); the many-files recipe
// equals one run over the files in order; the Kubernetes YAML parses as an Indexed Job and a
// merge Job, the Slurm and shell scripts parse, and all of them run the same two scripts.
#include "cli/cli_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace salesproc {
namespace {

using namespace test;

const std::string source_dir = SALESPROC_SOURCE_DIR;

// Rows whose notes are long quoted runs with line breaks: most bytes lie inside quotes, so
// most shard boundaries do.
std::string quoted_csv(std::size_t rows) {
    std::string out = "product,price,quantity,note\n";
    for (std::size_t i = 0; i < rows; ++i) {
        out += i % 7 == 3 ? "Monitor" : "\"Halal Item " + std::to_string(i % 13) + "\"";
        out += "," + std::to_string(10 + i % 90) + "." + std::to_string(10 + i % 89) + "," +
               std::to_string(1 + i % 100) + ",\"note " + std::to_string(i) + "\n" +
               std::string(40 + i % 50, 'x') + ", \"\"quoted\"\"\n end\"\n";
    }
    return out;
}

std::string env_prefix() {
    return "SALESPROC='" + salesproc_bin + "' PATH=/usr/bin:/bin ";
}

TEST(Deploy, TheParallelRecipeEqualsOneRunForEveryN) {
    temp_dir dir;
    const std::string csv = dir.file("sales.csv");
    const std::string text = quoted_csv(400);
    write_file(csv, text);
    ASSERT_EQ(salesproc({"--csv", csv, "--out", dir.file("single.json"), "--rejects",
                         dir.file("single.rej.csv"), "-q"})
                  .exit_code,
              0);
    const std::string single = comparable_report(read_file(dir.file("single.json")));
    const std::string single_rejects = read_file(dir.file("single.rej.csv"));
    std::size_t inside_quotes = 0;  // boundaries that fell inside a quoted field
    for (int n = 1; n <= 8; ++n) {
        for (int k = 1; k < n; ++k) {
            const std::size_t at =
                text.size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(n);
            inside_quotes +=
                std::string_view(text).substr(0, at).find('"') == std::string_view::npos
                    ? 0
                    : static_cast<std::size_t>(
                          std::count(text.begin(), text.begin() + static_cast<long>(at), '"') % 2);
        }
        const std::string out = dir.file("out" + std::to_string(n));
        const auto r =
            run_process({"/bin/sh", "-c",
                         env_prefix() + "sh " + source_dir + "/deploy/parallel/shard-file.sh " +
                             csv + " " + std::to_string(n) + " " + out});
        ASSERT_EQ(r.exit_code, 0) << "N=" << n << ": " << r.err;
        EXPECT_EQ(comparable_report(read_file(out + "/report.json")), single) << "N=" << n;
        EXPECT_EQ(read_file(out + "/rejects.csv"), single_rejects) << "N=" << n;
    }
    EXPECT_GT(inside_quotes, 5U);
    // Every shard told to start inside quotes: the merge names the wrong ones, the recipe
    // re-runs them, and the result is the same.
    const std::string out = dir.file("wrong");
    const auto r =
        run_process({"/bin/sh", "-c",
                     env_prefix() + "sh " + source_dir + "/deploy/parallel/shard-file.sh " + csv +
                         " 3 " + out + " quoted"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("re-running shard 0/3 with --shard-start outside"), std::string::npos)
        << r.err;
    EXPECT_EQ(comparable_report(read_file(out + "/report.json")), single);
    EXPECT_EQ(read_file(out + "/rejects.csv"), single_rejects);
}

TEST(Deploy, TheManyFilesRecipeEqualsOneRunInTheOrderGiven) {
    temp_dir dir;
    std::vector<std::string> args{"--out", dir.file("single.json"), "--rejects",
                                  dir.file("single.rej.csv"), "-q"};
    std::string files;
    for (unsigned seed = 1; seed <= 5; ++seed) {
        const std::string f = dir.file("store-" + std::to_string(seed) + ".csv");
        write_file(f, generate_sales_csv(500 + 100 * seed, seed));
        args.push_back("--csv");
        args.push_back(f);
        files += " " + f;
    }
    ASSERT_EQ(salesproc(args).exit_code, 0);
    const auto r =
        run_process({"/bin/sh", "-c",
                     env_prefix() + "sh " + source_dir + "/deploy/parallel/many-files.sh " +
                         dir.file("out") + files + " -- -j 3"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(comparable_report(read_file(dir.file("out/report.json"))),
              comparable_report(read_file(dir.file("single.json"))));
    EXPECT_EQ(read_file(dir.file("out/rejects.csv")), read_file(dir.file("single.rej.csv")));
}

TEST(Deploy, KubernetesAndSlurmFilesParseAndRunTheSameScripts) {
    const std::string k8s = source_dir + "/deploy/kubernetes/";
    const auto yaml =
        run_process({"/usr/bin/python3", "-c",
                     "import sys, yaml\n"
                     "shard = yaml.safe_load(open(sys.argv[1]))\n"
                     "merge = yaml.safe_load(open(sys.argv[2]))\n"
                     "spec = shard['spec']\n"
                     "assert shard['kind'] == 'Job' and spec['completionMode'] == 'Indexed', spec\n"
                     "assert spec['completions'] == spec['parallelism']\n"
                     "c = spec['template']['spec']['containers'][0]\n"
                     "assert c['command'][-1].endswith('common/shard.sh'), c\n"
                     "assert c['args'][0] == '$(JOB_COMPLETION_INDEX)' and int(c['args'][1]) == "
                     "spec['completions']\n"
                     "m = merge['spec']['template']['spec']['containers'][0]\n"
                     "assert m['command'][-1].endswith('common/merge.sh') and int(m['args'][0]) == "
                     "spec['completions']\n",
                     k8s + "shard-job.yaml", k8s + "merge-job.yaml"});
    EXPECT_EQ(yaml.exit_code, 0) << yaml.err;
    // The bucket-only variant: the same scripts with s3:// arguments, credentials by IRSA.
    const auto bucket = run_process(
        {"/usr/bin/python3", "-c",
         "import sys, yaml\n"
         "shard, merge, account, secret = (yaml.safe_load(open(p)) for p in sys.argv[1:])\n"
         "s = shard['spec']['template']['spec']\n"
         "m = merge['spec']['template']['spec']\n"
         "assert shard['spec']['completionMode'] == 'Indexed'\n"
         "assert s['containers'][0]['command'][-1].endswith('common/shard.sh')\n"
         "assert m['containers'][0]['command'][-1].endswith('common/merge.sh')\n"
         "assert all(a.startswith('s3://') for a in s['containers'][0]['args'][2:])\n"
         "assert all(a.startswith('s3://') for a in m['containers'][0]['args'][1:])\n"
         "assert s['serviceAccountName'] == m['serviceAccountName'] == "
         "account['metadata']['name']\n"
         "assert 'eks.amazonaws.com/role-arn' in account['metadata']['annotations']\n"
         "assert secret['kind'] == 'Secret' and 'volumes' not in s and 'volumes' not in m\n",
         k8s + "bucket/shard-job.yaml", k8s + "bucket/merge-job.yaml",
         k8s + "bucket/serviceaccount.yaml", k8s + "bucket/secret.yaml"});
    EXPECT_EQ(bucket.exit_code, 0) << bucket.err;
    for (const char* script : {"slurm/shards.sbatch", "slurm/merge.sbatch", "slurm/submit.sh"}) {
        const std::string path = source_dir + "/deploy/" + script;
        EXPECT_EQ(run_process({"/bin/bash", "-n", path}).exit_code, 0) << script;
    }
    for (const char* script :
         {"common/shard.sh", "common/merge.sh", "parallel/shard-file.sh", "parallel/many-files.sh"})
        EXPECT_EQ(run_process({"/bin/sh", "-n", source_dir + "/deploy/" + script}).exit_code, 0)
            << script;
    EXPECT_NE(read_file(source_dir + "/deploy/slurm/shards.sbatch").find("common/shard.sh"),
              std::string::npos);
    EXPECT_NE(read_file(source_dir + "/deploy/slurm/merge.sbatch").find("common/merge.sh"),
              std::string::npos);
    EXPECT_NE(read_file(source_dir + "/deploy/parallel/shard-file.sh").find("common/shard.sh"),
              std::string::npos);
}

}  // namespace
}  // namespace salesproc
