// Behaviour shared by every page (served from /static: the Content-Security-Policy forbids inline script).

// Choosing a plan year / reporting period in the header applies it at once.
document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
  select.addEventListener('change', function () { select.form.submit(); });
});
