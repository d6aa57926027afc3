// Marks the page once every image has loaded or failed: <body data-images="N" data-broken="M">,
// so a headless browser (tests/test_lookbook_browser.py) can tell broken images from the DOM.
window.addEventListener("load", function () {
  var images = document.images, broken = 0;
  for (var i = 0; i < images.length; i++) {
    if (!images[i].complete || images[i].naturalWidth === 0) { broken++; images[i].classList.add("broken"); }
  }
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-broken", String(broken));
});
