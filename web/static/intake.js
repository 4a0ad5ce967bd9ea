// Plan review page (served from /static: the Content-Security-Policy forbids inline script).

// Re-read a deadline as it is typed and show the dates it gives (GET /api/deadline-preview).
document.querySelectorAll('input.deadline').forEach(function (input) {
  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var out = input.closest('form').querySelector('.dates');
      fetch('/api/deadline-preview?year=' + input.dataset.year + '&text=' + encodeURIComponent(input.value))
        .then(function (r) { return r.json(); })
        .then(function (j) {
          out.textContent = j.error ? j.error : j.dates.join(' · ');
          out.classList.toggle('field-error', !!j.error);
        });
    }, 250);
  });
});

// Buttons that remove something ask first (data-confirm holds the question).
document.querySelectorAll('[data-confirm]').forEach(function (button) {
  button.addEventListener('click', function (event) {
    if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });
});
