# Pages of work: decisions, my country, the statement, fair share, funding, requirements, rules, messages.

## Commun aux pages de travail

work-form-show = Afficher
work-col-party = Partie
work-col-counted = Compté
work-col-committed = Engagé
work-col-paid = Versé
work-col-status = Statut
work-col-since = Depuis le
work-col-source = Source

## Juste part (templates/fair_share.html, web/fair_share.rs)

fair-share-lead = Au { $as-of } : la part que chaque contributeur participant supporterait des { $total } { $currency } comptés à ce jour s’ils étaient répartis selon la clé { $key } (datée du { $date }, { $confidence }{ $source }), au regard de ce qu’il a compté, engagé et versé. La clé est renormalisée sur les parties qui supportent une part ; les contributions conjointes sont comptées pour leurs membres (docs/COUNTING.md, « Justes parts »).
fair-share-form-key = Clé
fair-share-form-currency = Monnaie
fair-share-form-amount = Montant à répartir (unités entières, facultatif)
fair-share-form-partners = Inclure les partenaires extérieurs à l’Alliance
fair-share-caption = Compté moins juste part, en millions de { $currency }, pour { $count ->
        [one] la seule partie qui supporte
       *[other] chacune des { $parties } parties qui supportent
    } une part, de la plus au-dessus de sa juste part à la plus en dessous : à gauche de zéro, la partie a compté moins que sa juste part ; à droite, davantage. Les chiffres exacts figurent dans le tableau ci-dessous.
fair-share-carriers-heading = Parties supportant une part
fair-share-carriers-lead = Montants en { $currency } ; le % de clé est la part de la partie dans la clé, rapportée aux parties qui supportent une part.
fair-share-table-caption = Justes parts selon la clé { $key }, en { $currency }
fair-share-col-key-value = Valeur de clé
fair-share-col-key-percent = % de clé
fair-share-col-paid-of = Versé / juste part
fair-share-col-difference = Écart
fair-share-col-difference-percent = Écart en %
fair-share-col-split = Répartition de { $amount }
fair-share-total-counted = Total compté
fair-share-undisclosed = non divulgué
fair-share-not-reported = non déclaré
fair-share-percent = { $value } %
fair-share-lower-bound-title = a une promesse au montant non divulgué : son chiffre compté est un minimum
fair-share-note = L’engagé et le versé sont « non déclarés » lorsqu’aucune des contributions comptées de la partie n’est engagée à la date (le registre public ne contient que des annonces) ; ils ne sont jamais affichés comme nuls. * Une promesse au montant non divulgué : le chiffre compté de la partie est un minimum. Une partie dont toutes les promesses comptées sont non divulguées n’a ni chiffre compté, ni écart, ni écart en % : ils sont « non divulgués », jamais nuls, et la partie n’a pas de barre dans le graphique.
fair-share-note-split = La répartition se fait en unités entières dont la somme est exactement égale au montant (méthode du plus fort reste).
fair-share-declined-heading = Parties ayant décliné ou ne participant pas
fair-share-declined-none = Aucune partie n’a décliné au { $date }.
fair-share-declined-lead = Ces parties ne supportent aucune part : leur dernier statut de participation au { $date } est « ne participe pas » ; la clé est donc renormalisée sur les autres.
fair-share-declined-caption = Parties ne participant pas au { $date }
fair-share-others-heading = Parties citées sans part
fair-share-no-key-value = Sans valeur dans la clé { $key }
fair-share-no-key-value-lead = Elles participent, mais la clé ne leur attribue aucune valeur : elles sont citées, sans valeur supposée, et exclues de la renormalisation.
fair-share-partners = Partenaires extérieurs à l’Alliance
fair-share-partners-lead = Non membres de l’OTAN au { $date } : ils ne supportent aucune part, sauf si les partenaires sont inclus ; leurs fonds restent comptés comme apportés.
fair-share-not-contributors = Parties non contributrices
fair-share-not-contributors-lead = Le fournisseur, le bénéficiaire et le coordonnateur ne financent pas le mécanisme : ils ne supportent donc aucune part.
fair-share-counted-in-list = compté : { $amount } { $currency }
fair-share-chart-title = Compté moins juste part, en millions de { $currency }, par partie supportant une part selon la clé { $key } : à gauche de zéro, en dessous de sa juste part ; à droite, au-dessus
fair-share-chart-unit = M{ $currency }, compté moins juste part
fair-share-chart-below = En dessous de sa juste part
fair-share-chart-above = Au-dessus de sa juste part
fair-share-cannot-compute = Impossible de calculer les justes parts
work-col-pledge = Promesse
work-col-package = Paquet
work-col-price = Prix
work-col-date = Date
work-package-state = { $state ->
        [draft] projet
        [proposed] proposé
        [approved] approuvé
        [open] ouvert
        [funded] financé
        [contracted] sous contrat
        [delivering] en livraison
        [delivered] livré
        [closed] clos
        [cancelled] annulé
       *[other] { $state }
    }

## Financement (templates/funding.html, web/funding.rs, l’acceptation dans web/mod.rs)

funding-lead = La proposition de financement au { $as-of }, calculée à la tête de journal { $head } : les paquets ouverts par ordre de priorité, chacun financé en totalité lorsqu’il peut l’être tant que chaque paquet mieux classé qui peut l’être l’est aussi, le reliquat allant au premier paquet qui ne peut pas l’être. Montants en { $currency }. Rien n’est inscrit tant que la proposition n’est pas acceptée.
funding-written-heading = Inscrit
funding-written-none = Aucune affectation de la proposition calculée à la tête de journal { $head } ne figure au journal.
funding-written-lead = La proposition calculée à la tête de journal { $head } a été acceptée : ces affectations figurent au journal.
funding-written-label = Affectations inscrites
funding-col-amount-in = Montant ({ $currency })
funding-col-package-now = État actuel du paquet
funding-form-triggers = Supposer les déclencheurs déclarés (séparés par des virgules)
funding-form-announced = Inclure les fonds annoncés
funding-packages-heading = Paquets par ordre de priorité
funding-packages-none = Aucun paquet n’est ouvert au { $date }.
funding-packages-label = Paquets ouverts
funding-packages-caption = Paquets ouverts par ordre de priorité, en { $currency }
funding-col-priority = Priorité
funding-col-allocated = Affecté
funding-col-need = Besoin
funding-col-proposed = Proposé
funding-col-why = Motif d’un financement incomplet
funding-status = { $status ->
        [funded] financé
        [partial] partiel
        [unfunded] non financé
       *[other] { $status }
    }
funding-not-ranked = non classé
funding-allocations-heading = Affectations proposées
funding-allocations-none = La proposition n’affecte rien.
funding-allocations-caption = Affectations proposées, de la promesse au paquet, en { $currency }
funding-col-amount = Montant
funding-col-money = Fonds
funding-committed = engagés
funding-not-committed = non engagés
funding-not-committed-shown = non engagés : affichés, non inscrits à l’acceptation
funding-accept-heading = Accepter
funding-accept-nothing = Rien à accepter : la proposition n’affecte aucun fonds engagé.
funding-accept-lead = L’acceptation inscrit { $count ->
        [one] l’affectation
       *[other] les { $allocations } affectations
    } de fonds engagés ci-dessus en un seul lot, en totalité ou pas du tout, si le journal est toujours à la tête { $head }.
funding-accept-submit = Accepter la proposition
funding-excluded-heading = Promesses écartées
funding-excluded-none = Aucune promesse n’est écartée.
funding-excluded-caption = Promesses écartées de la proposition, et motif
funding-col-reason = Motif
funding-pledges-heading = Promesses utilisées
funding-pledges-none = Aucune promesse n’apporte de fonds.
funding-pledges-caption = Pour chaque promesse : les fonds disponibles, ce qu’utilise la proposition et le solde, en { $currency }
funding-col-supply = Disponible
funding-col-used = Utilisé
funding-col-left = Solde
funding-restricted-role = Les propositions de financement sont réservées au coordonnateur (les auditeurs peuvent les consulter) ; un jeton { $role } ne les affiche pas.
funding-restricted-public = Les propositions de financement sont réservées au coordonnateur et aux auditeurs : connectez-vous avec un tel jeton pour les consulter.
funding-no-download = format : la page Financement n’a pas de téléchargement ; GET /api/v1/funding/proposal fournit la proposition en JSON
funding-cannot-compute = Impossible de calculer la proposition
funding-sign-in-to-accept = Connectez-vous pour accepter une proposition.
funding-may-not-accept = Le rôle { $role } ne peut pas accepter une proposition de financement : les affectations relèvent du coordonnateur.
funding-moved-on = Rien n’a été inscrit : le journal a avancé depuis le calcul de cette proposition (tête de journal { $at-head }, désormais { $now }) ; voici de nouveau la proposition.
funding-moved-on-accepted = Rien n’a été inscrit : le journal a avancé depuis le calcul de cette proposition (tête de journal { $at-head }, désormais { $now } : elle a déjà été acceptée) ; voici de nouveau la proposition.
funding-address-not-valid = L’adresse de la page n’est pas valide.
funding-nothing-written = Rien n’a été inscrit : { $detail }

## Besoins (templates/requirements.html)

requirements-restricted = Les besoins sont réservés au bénéficiaire, au coordonnateur, aux fournisseurs et aux auditeurs : connectez-vous avec un tel jeton pour les consulter.
requirements-lead = Les listes mensuelles hiérarchisées et leur couverture à la tête du journal (elles ne varient pas avec la date de référence), en { $currency }. Diffusion restreinte : réservé au bénéficiaire, au coordonnateur et aux fournisseurs.
requirements-coverage-heading = Couverture par mois
requirements-coverage-rule = Chaque chiffre est rattaché au mois du besoin : un besoin compte la part financée de son coût (la part de son prix affectée à son paquet ; un besoin financé à moitié compte donc pour la moitié de son coût), et les livraisons comptent dans le mois du besoin qu’elles satisfont, non dans celui de leur livraison. Seules comptent les livraisons confirmées par le bénéficiaire.
requirements-col-month = Mois
requirements-col-required = Requis
requirements-col-funded = Financé
requirements-col-delivered = Livré
requirements-col-coverage = Couverture
requirements-lists-heading = Les listes
requirements-col-rank = Rang
requirements-col-requirement = Besoin
requirements-col-category = Catégorie
requirements-col-description = Désignation
requirements-col-quantity = Quantité
requirements-col-cost = Coût estimé

## Décisions (templates/decisions.html, web/glance.rs)

decisions-lead = Décisions sur les listes mensuelles et les paquets au { $as-of }. La procédure, les réponses et l’issue sont publiques. Une décision par { $consensus } est adoptée lorsque chaque participant consulté l’a approuvée, et rejetée sur une seule objection ; selon la { $silence }, une décision est adoptée à son échéance, sauf objection d’un participant d’ici là. Une réserve vaut approbation et est consignée ; les parties ayant refusé ou ne participant pas ne sont pas consultées (hors procédure).
decisions-consensus-term = consensus
decisions-silence-term = procédure d’accord tacite
decisions-open-heading = En cours ({ $count })
decisions-closed-heading = Closes ({ $count })
decisions-no-open = Aucune décision n’est en cours.
decisions-no-closed = Aucune décision n’est close.
decisions-open-label = Décisions en cours
decisions-closed-label = Décisions closes
decisions-col-decision = Décision
decisions-col-subject = Objet
decisions-col-procedure = Procédure
decisions-col-responses = Réponses
decisions-col-awaiting = En attente de
decisions-col-reservations = Réserves
decisions-col-opted-out = Hors procédure
decisions-col-outcome = Issue
decisions-opened = ouverte le { $date }
decisions-silence-deadline = accord tacite, échéance { $deadline }
decisions-consensus = consensus
decisions-none-yet = aucune pour l’instant
decisions-none = aucune
decisions-outcome-on = { $outcome } le { $date }
decisions-outcome = { $outcome ->
        [adopted] adoptée
        [rejected] rejetée
        [pending] en cours
       *[other] { $outcome }
    }
decisions-objection-by = (objection de { $party })
decisions-approve = approbation
decisions-approve-with-reservation = approbation avec réserve : { $note }
decisions-object = objection

## Mon pays et le relevé (templates/my.html, statement.html, web/glance.rs)

my-heading = Mon pays : { $name } ({ $party })
my-lead = Au { $as-of } : les promesses de { $party } (les siennes et les promesses conjointes dont il est membre), ses versements, les paquets que ses fonds financent, sa juste part et les décisions qui attendent sa réponse. Seule votre propre partie est affichée.
my-statement-link = Relevé de compte (imprimable)
my-pledges-heading = Promesses
my-pledges-label = Mes promesses
my-col-contributor = Contributeur
my-col-announced = Annoncé
my-col-outstanding = Restant dû
my-col-settled = Réglé
my-col-state = État
my-col-allocation = Votre affectation
my-col-delivered = Livré (confirmé)
my-no-pledge = Aucune promesse enregistrée au { $date }.
my-payments-heading = Versements
my-payments-label = Mes versements
my-no-payment = Aucun versement enregistré au { $date }.
my-packages-heading = Paquets financés par vos fonds
my-no-packages = Aucun de vos fonds n’est affecté à un paquet.
my-share-fair-share = Juste part ({ $currency }, clé par défaut)
my-every-share = La juste part de chaque partie
my-awaiting-heading = Décisions qui attendent votre réponse
my-no-awaiting = Aucune décision en cours n’attend de réponse de { $party }.
my-awaiting-silence = procédure d’accord tacite, adoptée le { $deadline } sauf objection d’un participant
my-pledge-status = { $status ->
        [announced] annoncée
        [committed] engagée
        [part-paid] versée en partie
        [paid] versée
        [withdrawn] retirée
        [superseded] remplacée
       *[other] { $status }
    }
my-undisclosed = non divulgué
my-not-committed = non engagé
my-no-price = pas encore de prix
my-no-share = { $party } ne supporte aucune part selon la clé { $key } au { $date }.
my-share-error = Impossible de calculer les justes parts : { $error }
my-sign-in = « Mon pays » présente les promesses, les versements et le relevé propres à un contributeur : connectez-vous (/sign-in) avec le jeton d’un contributeur.
my-not-a-contributor = Pas un contributeur
my-not-a-contributor-detail = « Mon pays » est destiné au jeton d’un contributeur, qui désigne sa partie ; vous êtes connecté en tant que { $role }. Les pages Contributeurs et Juste part présentent toutes les parties.
statement-heading = Relevé de compte
statement-period = Période
statement-period-range = du { $from } au { $to }
statement-log-head = Calculé à la tête de journal
statement-events = { $events } { $count ->
        [one] événement
       *[other] événements
    }
statement-root = Racine (SHA-256, base64)
statement-lead = Chaque chiffre est calculé à partir des { $events } premiers événements du journal, dont la racine de Merkle figure ci-dessus : { $verify } et les preuves d’inclusion et de cohérence du journal permettent de la vérifier. Les montants sont exprimés dans la monnaie de chaque promesse ; le versé est ce que les versements ont réglé de la promesse ; le restant dû est l’engagé diminué du versé.
statement-col-currency = Monn.
statement-total = Total
statement-no-payment = Aucun versement enregistré sur la période.
statement-back = Retour à Mon pays
statement-print = imprimez cette page (ou enregistrez-la en PDF) pour l’archiver.
statement-log-unavailable = Journal indisponible
statement-log-unavailable-detail = L’arbre du journal n’a pas pu être lu : le relevé ne peut donc pas indiquer la racine à laquelle il a été calculé.

## Règles (templates/rules.html, web/rules.rs)

rules-heading = Règles de comptage
rules-lead = Comment chaque chiffre de ces pages est compté à partir du registre public. Chaque source de la page { $records } indique la règle qui détermine si elle compte, et comment.
rules-authoritative = Ceci est une traduction de docs/COUNTING.md : en cas de divergence, la version anglaise fait foi.
rules-no-download = format : la page des règles n’a pas de téléchargement (le texte est docs/COUNTING.md)

## Termes du registre affichés sur les pages de travail

fair-share-role = { $role ->
        [contributor] contributeur
        [recipient] bénéficiaire
        [supplier] fournisseur
        [coordinator] coordonnateur
       *[other] { $role }
    }
fair-share-status = { $status ->
        [participating] participe
        [declined] a décliné
        [non-participation] non-participation
        [deferred] reporté
        [withdrawn] retiré
       *[other] { $status }
    }
funding-reason-announced = { $amount } annoncés, non engagés (--include-announced)
funding-reason-later = annoncée le { $date }, après la date de la proposition ({ $as-of })
funding-reason-trigger = en attente du déclencheur { $trigger } (--assume-trigger { $trigger })
funding-reason-trigger-no-amount = en attente du déclencheur { $trigger }, sans montant
funding-reason-undisclosed = son montant n’est pas divulgué
