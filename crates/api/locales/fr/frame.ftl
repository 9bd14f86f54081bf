# Le cadre des pages (templates/base.html) : navigation, lecteur, ligne des dates, pied de page.

skip-to-content = Aller au contenu
nav-label = Principale
nav-overview = Vue d’ensemble
nav-months = Par mois
nav-contributors = Contributeurs
nav-packages = Paquets
nav-fair-share = Juste part
nav-funding = Financement
nav-requirements = Besoins
nav-records = Sources
nav-log = Journal
nav-rules = Règles
nav-decisions = Décisions
nav-my = Mon pays
lang-switch-label = Langue
who-signed-in-as = Connecté en tant que
who-public = Vue publique
sign-in = Se connecter
sign-out = Se déconnecter
basis-as-of = Au
basis-record-up-to = sources jusqu’au
basis-no-record = aucune source encore
basis-back-to-today = revenir à aujourd’hui
footer-figures = Chiffres au { $as-of }, tirés de { $events } { $count ->
        [one] événement
       *[other] événements
    } du journal.
footer-figures-cutoff = Chiffres au { $as-of } (sources jusqu’au { $cutoff }), tirés de { $events } { $count ->
        [one] événement
       *[other] événements
    } du journal.
footer-rules = L’argent est compté selon les { $rules } ; chaque chiffre de cette page figure aussi dans l’API
footer-rules-link = règles de docs/COUNTING.md

downloads = Télécharger les données de cette page :
badge-synthetic = fictif
synthetic-hidden = L’exercice fictif (sources EX-*) est masqué : ces chiffres l’excluent.
synthetic-show = L’afficher
synthetic-included = Ces chiffres comprennent un exercice fictif (sources EX-*) : des exemples, pas de vraies promesses.
synthetic-hide = Le masquer
