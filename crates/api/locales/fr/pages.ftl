# Pages : connexion, journal, messages, page introuvable.

## Titres des pages et des messages

page-sign-in = Connexion
page-log = Journal
page-not-found = Page introuvable
heading-bad-request = Requête incorrecte
heading-refused = Refusé
heading-restricted = Accès restreint
heading-not-found = Introuvable
heading-edge-failed = Échec de la requête
heading-edge-method-not-allowed = Méthode non autorisée
heading-edge-timeout = Délai dépassé
heading-edge-too-large = Requête trop volumineuse
heading-edge-uri-too-long = Adresse trop longue
heading-edge-headers-too-large = En-têtes de requête trop volumineux

## Refus d’une requête avant qu’une page ne la lise

query-repeated = Le paramètre { $name } figure plus d’une fois dans l’adresse : ne le donnez qu’une fois.
query-malformed = Les paramètres de l’adresse sont illisibles : { $error }
query-unknown-party = Aucun contributeur ne porte la clé { $party } : choisissez-en un dans la liste des contributeurs.
edge-method-not-allowed = Cette adresse n’accepte pas ce type de requête : suivez les liens et les formulaires du tableau de bord.
edge-timeout = La requête a pris trop de temps et a été abandonnée ; réessayez.
edge-too-large = Le corps de la requête dépasse { $body } octets.
edge-uri-too-long = L’adresse dépasse { $uri } octets.
edge-headers-too-large = La requête porte plus de { $headers } champs d’en-tête ou plus de { $header-bytes } octets d’en-têtes.

## La page de connexion

sign-in-lead = L’essentiel de ce tableau de bord est public : nul besoin de se connecter pour le lire. Une fois connecté, vous voyez en plus ce que votre rôle permet de voir.
sign-in-what-heading = Qu’est-ce qu’un jeton ?
sign-in-what = Un jeton d’accès est une longue suite de lettres et de chiffres qui vous représente sur ce tableau de bord. Il indique le rôle sous lequel vous lisez (par exemple coordinateur de votre pays), et donc ce que vous pouvez voir.
sign-in-who-heading = Qui vous le remet
sign-in-who = Le coordinateur de votre pays le demande pour vous ; l’opérateur de ce registre l’émet. Si vous travaillez pour le bénéficiaire, un fournisseur ou un auditeur, l’opérateur vous le remet directement. Personne d’autre ne peut en créer.
sign-in-secret-heading = Gardez-le secret
sign-in-secret = Traitez-le comme un mot de passe : ne l’envoyez pas par courriel ordinaire, ne le partagez pas, ne le collez nulle part ailleurs. Qui le détient voit ce que vous voyez. Si vous pensez que quelqu’un d’autre l’a vu, demandez à la personne qui vous l’a remis de le révoquer et d’en émettre un nouveau.
sign-in-session-heading = Combien de temps la connexion dure
sign-in-session = { $hours ->
        [one] Une heure
       *[other] { $hours } heures
    } sur ce navigateur, ou jusqu’à ce que vous vous déconnectiez. Si le serveur redémarre, reconnectez-vous ; si votre jeton est révoqué ou expire, la session prend fin aussitôt.
sign-in-see-heading = Ce que vous voyez une fois connecté
sign-in-see = Les mêmes pages, avec les chiffres réservés à votre rôle (par exemple les montants qu’un contributeur n’a pas rendus publics) et, selon votre rôle, les pages Besoins et Financement. Votre rôle est indiqué en haut de chaque page.
sign-in-refused-heading = Si l’accès vous est refusé
sign-in-refused = Vérifiez que vous avez collé le jeton en entier, sans rien avant ni après. S’il est encore refusé, il a peut-être expiré ou été révoqué : demandez-en un nouveau à la personne qui vous l’a remis.
sign-in-token-label = Jeton d’accès
sign-in-submit = Se connecter

## La page du journal

log-heading = Le journal
log-lead = Chaque événement est une feuille d’un arbre de Merkle (RFC 6962). L’opérateur signe des points de contrôle de l’arbre et des témoins indépendants les contresignent : quiconque détient un point de contrôle antérieur peut prouver que l’historique n’a jamais fait que s’allonger.
log-basis = Cette page et son téléchargement montrent tout le journal à sa tête, quelle que soit la date choisie : les événements portent l’heure de leur ajout, non les dates des sources qu’ils contiennent. Le téléchargement liste chaque événement comme /api/v1/events vous le donne.
log-basis-public = (Vue publique : sans les champs restreints.)
log-events = Événements du journal
log-latest = Dernier événement
log-latest-none = aucun
log-latest-unavailable = indisponible
log-latest-event = nº { $seq } { $kind } le { $at }
log-checkpoint = Dernier point de contrôle signé
log-checkpoint-entries = { $count ->
        [one] { $size } entrée
       *[other] { $size } entrées
    }
log-checkpoint-origin = origine { $origin }
log-checkpoint-none = aucun
log-checkpoint-no-key = le serveur n’a pas de clé de signature
log-witnesses = Témoins
log-witnesses-none = aucun n’a encore contresigné ce point de contrôle
log-checkpoint-heading = Le point de contrôle
log-checkpoint-root = Empreinte racine
log-checkpoint-note = La note signée, telle que servie à
log-check-heading = Vérifier par soi-même
log-check-key = Prenez la clé publique du journal auprès d’une source de confiance (l’opérateur la publie) :
log-check-verify = Vérifiez tout le journal et gardez le point de contrôle :
log-check-again = La fois suivante, prouvez que le journal n’a fait que s’allonger depuis :
log-check-no-key = Ce serveur ne signe pas de points de contrôle (démarrez-le avec une clé de signature :
log-check-any-tool = Ou avec tout outil RFC 6962 : les entrées à { $entries }, les preuves à { $inclusion } et { $consistency } (formats dans docs/LOG.md). Les valeurs restreintes figurent dans les entrées sous forme d’engagements de hachage salés.

## Page introuvable

not-found-lead = Il n’y a pas de page à l’adresse { $path }.
not-found-links = Les pages de ce tableau de bord figurent dans la navigation ci-dessus ; pour commencer :
not-found-home = la vue d’ensemble
not-found-log = le journal, pour vérifier le registre par vous-même
not-found-api = la description de l’API (OpenAPI)
