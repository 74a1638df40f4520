// Training logs (`train --log`, JSON lines) as `neurite plot` reads them: parsed, then every chart
// built and rendered (the axis code is where extreme values made plot spin).
#include "support.h"
#include "neurite/viz/plot.h"
#include "neurite/viz/training_charts.h"
#include "neurite/viz/training_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace neurite;
  fuzz::read_or_refuse([&] {
    const TrainingLog log = parse_training_log({reinterpret_cast<const char*>(data), size}, "input.jsonl");
    for (const LineChart& chart : {cost_chart(log), accuracy_chart(log), gradient_norm_chart(log)})
      render_line_chart(chart, ImageFormat::Svg);
    if (const EvaluationRecord* evaluation = last_confusion(log))
      render_confusion_chart(confusion_chart(log, *evaluation), ImageFormat::Svg);
  });
  return 0;
}
