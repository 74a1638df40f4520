// The Inside tab: the chosen model's filters, backquery pictures, feature maps of the drawing,
// and its confusion matrix on the test images with a gallery per cell.

import { $, DIGITS, api, element, formatPercent, hint, imageProblem, message, modelPath } from "./common.js";
import { drawnImage } from "./draw.js";
import { selectedModel } from "./models.js";

const inside = { model: null, featureModel: null, featureImage: null };

export function refreshInside() {
  const model = selectedModel();
  if (!model) return;
  if (inside.model !== model.name) {
    inside.model = model.name;
    showFilters(model);
    showBackquery(model);
    showConfusion(model);
    resetGallery(model);
  }
  showFeatureMaps();
}

// Answers that come back after the model was changed are dropped.
const isShown = (model) => inside.model === model.name;

// The model list says which pictures a model has, so the page asks only for those: no request
// is refused (which the browser would log as an error), and none is made twice.
function showFilters(model) {
  const image = $("filters-img");
  const note = $("filters-message");
  image.hidden = true;
  note.hidden = true;
  if (!model.filters) {
    note.textContent = `${model.name} has no dense or conv first layer whose weights can be drawn.`;
    note.hidden = false;
    return;
  }
  image.onerror = async () => {
    if (!isShown(model)) return;
    image.hidden = true;
    note.textContent = (await imageProblem(image.src)) ?? "the filters could not be drawn";
    note.hidden = false;
  };
  enlargeWhenLoaded(image, 360);
  image.src = modelPath(model.name, "filters.png");
  image.hidden = false;
}

// Small pictures (5×5 filters, 14×14 maps) are scaled by a whole factor so each pixel stays sharp.
function enlargeWhenLoaded(image, targetWidth) {
  image.style.width = "";
  image.onload = () => {
    const factor = Math.max(1, Math.floor(targetWidth / image.naturalWidth));
    image.style.width = `${image.naturalWidth * factor}px`;
  };
}

// Backquery undoes dense and sigmoid layers only (seed 003), so other models get one message
// instead of ten refused images.
function showBackquery(model) {
  const area = $("backquery");
  if (!model.backquery) {
    area.replaceChildren(element("p", {
      className: "message",
      "data-testid": "backquery-message",
      text: model.mnist
        ? `${model.name} is not a network of dense and sigmoid layers only; backquery (seed 003) runs ` +
          "backwards through exactly those."
        : `${model.name} was not trained on MNIST's digits; backquery (seed 003) draws the digit each answer stands for.`,
    }));
    return;
  }
  area.replaceChildren(...DIGITS.map((digit) => element("figure", {}, [
    element("img", {
      src: modelPath(model.name, `backquery/${digit}.png`),
      alt: `The picture the network finds most like a ${digit}`,
      "data-testid": `backquery-${digit}`,
    }),
    element("figcaption", { text: String(digit) }),
  ])));
}

export async function showFeatureMaps() {
  const model = selectedModel();
  const image = drawnImage();
  if (!model || (inside.featureModel === model.name && inside.featureImage === image)) return;
  inside.featureModel = model.name;
  inside.featureImage = image;
  const area = $("feature-maps");
  if (!model.feature_maps) {
    area.replaceChildren(hint("This model has no convolutional layers, so it makes no feature maps. Pick a CNN to see them."));
    return;
  }
  if (!image) {
    area.replaceChildren(hint("Draw a digit on the Draw tab to see what the convolutional layers make of it."));
    return;
  }
  const stillWanted = () => inside.featureModel === model.name && inside.featureImage === image;
  try {
    const { layers } = await api(modelPath(model.name, "feature-maps"), { method: "POST", body: { image } });
    if (stillWanted()) area.replaceChildren(...layers.map(featureMapFigure));
  } catch (error) {
    if (stillWanted()) area.replaceChildren(message(error.message));
  }
}

function featureMapFigure(layer) {
  const image = element("img", { alt: `Feature maps of layer ${layer.index}` });
  enlargeWhenLoaded(image, 540);
  // Only a PNG data URL is accepted as the picture's source.
  if (String(layer.png).startsWith("data:image/png;base64,")) image.src = layer.png;
  return element("figure", { className: "feature-layer" }, [
    element("figcaption", { text: `Layer ${layer.index}: ${layer.summary} · ${layer.channels} channels` }),
    image,
  ]);
}

async function showConfusion(model) {
  const area = $("confusion-area");
  const summary = $("confusion-summary");
  summary.textContent = "";
  area.replaceChildren(hint("Running the network on its test set…"));
  try {
    const confusion = await api(modelPath(model.name, "confusion"));
    if (!isShown(model)) return;
    summary.textContent = `${confusion.correct.toLocaleString("en")} of ${confusion.total.toLocaleString("en")} right (${formatPercent(confusion.correct / confusion.total, 2)}).`;
    area.replaceChildren(confusionTable(model, confusion.matrix, confusion.classes));
  } catch (error) {
    if (isShown(model)) area.replaceChildren(message(error.message));
  }
}

// Rows and columns are the model's classes, named; any number of them.
function confusionTable(model, matrix, classes) {
  // Mistakes are shaded against the largest mistake, so the rare ones still show.
  const largestMistake = Math.max(1, ...matrix.flatMap((row, actual) => row.filter((_, predicted) => predicted !== actual)));
  const head = element("tr", {}, [
    element("th", { className: "corner", text: "true ↓ answer →" }),
    ...classes.map((name) => element("th", { scope: "col", text: name })),
  ]);
  const rows = matrix.map((row, actual) => element("tr", {}, [
    element("th", { scope: "row", text: classes[actual] }),
    ...row.map((count, predicted) => confusionCell(actual, predicted, count, largestMistake, classes)),
  ]));
  const table = element("table", { className: "confusion", "data-testid": "confusion-table" }, [
    element("thead", {}, [head]),
    element("tbody", {}, rows),
  ]);
  const openCell = (event) => {
    const cell = event.target.closest("td");
    if (cell && model.mnist) showGallery(model, cell);  // the gallery shows MNIST's test digits
  };
  table.addEventListener("click", openCell);
  table.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    openCell(event);
  });
  return table;
}

function confusionCell(actual, predicted, count, largestMistake, classes) {
  const cell = element("td", {
    "data-testid": `confusion-cell-${actual}-${predicted}`,
    "data-actual": actual,
    "data-predicted": predicted,
    tabindex: 0,
    title: `${count} test samples of ${classes[actual]} answered ${classes[predicted]}`,
    text: String(count),
  });
  if (actual === predicted) cell.classList.add("diagonal");
  else if (count > 0) cell.style.setProperty("--shade", Math.sqrt(count / largestMistake).toFixed(3));
  else cell.classList.add("zero");
  return cell;
}

function resetGallery(model) {
  $("gallery-title").textContent = "Test images";
  $("gallery").replaceChildren(hint(model.mnist
    ? "Click a cell of the confusion matrix."
    : `The gallery shows MNIST's test digits; ${model.name} was tested on its own data.`));
}

async function showGallery(model, cell) {
  const { actual, predicted } = cell.dataset;
  for (const chosen of cell.closest("table").querySelectorAll("td.chosen")) chosen.classList.remove("chosen");
  cell.classList.add("chosen");
  const title = $("gallery-title");
  const gallery = $("gallery");
  title.textContent = `True ${actual}, answered ${predicted}`;
  gallery.replaceChildren(hint("Loading…"));
  try {
    const found = await api(modelPath(model.name, `gallery?actual=${actual}&predicted=${predicted}&limit=100`));
    if (!isShown(model) || !cell.classList.contains("chosen")) return;
    const shown = found.images.length < found.count ? `, the first ${found.images.length} shown` : "";
    title.textContent = `True ${actual}, answered ${predicted}: ${found.count} ${found.count === 1 ? "image" : "images"}${shown}`;
    gallery.replaceChildren(...(found.images.length > 0
      ? found.images.map(({ index }) => galleryFigure(Number(index)))
      : [hint("No test image falls in this cell.")]));
  } catch (error) {
    if (isShown(model)) gallery.replaceChildren(message(error.message));
  }
}

function galleryFigure(index) {
  return element("figure", {}, [
    element("img", { src: `/api/mnist/test/${index}.png`, alt: `Test image ${index}`, width: 56, height: 56 }),
    element("figcaption", { text: String(index) }),
  ]);
}
