// Reports for CI systems, from a finished run:
//  - JUnit XML (read by GitLab, Jenkins, Azure and GitHub test reporters): one
//    <testsuite> per claim, one <testcase> per check and per control. A check's
//    testcase fails unless the check passed; a control's testcase passes when
//    the control FAILED its check (it must), and says so. The message holds the
//    measured value, its interval, the reference band and the source; an
//    inconclusive verdict is a failure of type "inconclusive" naming the seeds
//    that would decide it. tests/junit.xsd is the schema it is tested against.
//  - A Markdown summary for a CI job summary: one row per claim (verdict,
//    counts of checks passed and controls failed, the headline check's value
//    against its reference, time).
#pragma once

#include <string>

#include "src/core/results.h"

namespace prism {

std::string junit_xml(const RunResult& run);
std::string summary_markdown(const RunResult& run);

}  // namespace prism
